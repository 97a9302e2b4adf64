using Travelers.Generators.Helpers;

namespace Travelers.Generators.Model;

/// <summary>Everything the emitter needs to write one message's serializer; no symbols, no syntax.</summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Name">The type's simple name.</param>
/// <param name="FullName">Namespace, containing types and name joined with '.', as hashed into the id.</param>
/// <param name="TypeName">The fully qualified C# name.</param>
/// <param name="Keyword">"class", "struct", "record", "record struct".</param>
/// <param name="IsReadOnly">Declared <c>readonly</c> (structs).</param>
/// <param name="IsValueType">A struct.</param>
/// <param name="ContainingTypes">Declarations of the containing types, outermost first, e.g. "partial class Outer".</param>
/// <param name="Id">The 64-bit message id.</param>
/// <param name="VersionTolerant">[NetMessage(VersionTolerant = true)].</param>
/// <param name="Members">Serialized members in wire order.</param>
/// <param name="ConstructorParameterCount">Parameters of the constructor used, 0 for a parameterless one.</param>
/// <param name="RunsUserCode">Reading or writing it may run user code (see <c>UserCodeAnalysis</c>).</param>
/// <param name="IsRegistrable">Reachable from assembly-level code (not inside a private type), so the module initializer can register it.</param>
internal sealed record MessageModel(
    string Namespace,
    string Name,
    string FullName,
    string TypeName,
    string Keyword,
    bool IsReadOnly,
    bool IsValueType,
    EquatableArray<string> ContainingTypes,
    ulong Id,
    bool VersionTolerant,
    EquatableArray<MemberModel> Members,
    int ConstructorParameterCount,
    bool RunsUserCode,
    bool IsRegistrable)
{
    /// <summary>Set when another message's full name differs from this one's by case only (see Helpers/HintNames.cs).</summary>
    public string HintSuffix { get; init; } = string.Empty;

    public string HintName => FullName + HintSuffix + ".NetMessage.g.cs";

    /// <summary>Members are assigned in place on an instance made first (so runs of fields can be block-read),
    /// rather than read into locals and passed to a constructor or object initializer.</summary>
    public bool AssignsInPlace
    {
        get
        {
            if (ConstructorParameterCount > 0)
            {
                return false;
            }

            foreach (MemberModel member in Members)
            {
                if (member.IsInitOnly)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public string Schema
    {
        get
        {
            var builder = new System.Text.StringBuilder();
            builder.Append(FullName).Append('#').Append(Id.ToString("X16", System.Globalization.CultureInfo.InvariantCulture));
            if (VersionTolerant)
            {
                builder.Append('~');
            }

            builder.Append('(');
            for (int i = 0; i < Members.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append(';');
                }

                builder.Append(Members[i].Schema);
            }

            return builder.Append(')').ToString();
        }
    }
}

/// <summary>The parse step's output: a model when one can be generated, and the diagnostics either way.</summary>
internal sealed record ParseResult(MessageModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
