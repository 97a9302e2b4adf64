namespace Travelers;

/// <summary>
/// Reads names back out of a schema string (<c>Game.ChatLine#0000000000000007(From:str;Text:str[max=256])</c>)
/// for error messages: only on the failure path, so the hot path stores one reference per message.
/// </summary>
internal static class SchemaText
{
    public static string? TypeName(string? schema)
    {
        if (schema is null)
        {
            return null;
        }

        int hash = schema.IndexOf('#');
        return hash < 0 ? schema : schema[..hash];
    }

    public static string? MemberName(string? schema, int index)
    {
        if (schema is null)
        {
            return null;
        }

        int open = schema.IndexOf('(');
        if (open < 0 || index < 0)
        {
            return null;
        }

        // Member types never hold ';' (generic arguments use ','), so members split cleanly. Scan
        // rather than Split: this runs once per refused message, and hostile peers send many.
        int start = open + 1;
        for (int i = 0; i < index; i++)
        {
            int next = schema.IndexOf(';', start);
            if (next < 0)
            {
                return null;
            }

            start = next + 1;
        }

        int colon = schema.IndexOf(':', start);
        return colon < 0 ? null : schema[start..colon];
    }
}
