using System.Text;
using Travelers;

namespace Quickstart;

/// <summary>Reads one member and describes its value, moving the reader past its bytes.</summary>
internal delegate string MemberReader(ref NetReader reader);

/// <summary>Prints a message's bytes as an annotated hex dump: which bytes are which member.</summary>
internal static class WireDump
{
    public static void Print(string title, byte[] bytes, params (string Member, string Wire, MemberReader Read)[] members)
    {
        Console.WriteLine($"{title}: {bytes.Length} bytes");
        var reader = new NetReader(bytes);
        foreach ((string member, string wire, MemberReader read) in members)
        {
            int start = reader.Offset;
            string value = read(ref reader);
            int end = reader.Offset;
            Console.WriteLine($"  {start,3}..{end - 1,-3} {Hex(bytes.AsSpan(start, end - start)),-36} {member,-10} {wire,-22} {value}");
        }

        if (reader.Remaining != 0)
        {
            throw new InvalidOperationException($"{reader.Remaining} bytes were not described: the dump is out of step with the wire format.");
        }

        Console.WriteLine();
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        for (int i = 0; i < bytes.Length; i++)
        {
            if (i == 10 && bytes.Length > 11)
            {
                return text.Append($"… (+{bytes.Length - 10})").ToString();
            }

            text.Append(bytes[i].ToString("X2")).Append(' ');
        }

        return text.ToString();
    }
}
