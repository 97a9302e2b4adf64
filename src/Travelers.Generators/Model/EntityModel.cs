using System.Globalization;
using System.Text;
using Travelers.Generators.Helpers;

namespace Travelers.Generators.Model;

/// <summary>Everything the emitter needs to write one entity type's replication code; no symbols, no syntax.</summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Name">The type's simple name.</param>
/// <param name="FullName">Namespace, containing types and name joined with '.', as hashed into the id.</param>
/// <param name="TypeName">The fully qualified C# name.</param>
/// <param name="Keyword">"class" (or "record" for a record class).</param>
/// <param name="ContainingTypes">Declarations of the containing types, outermost first, e.g. "partial class Outer".</param>
/// <param name="Id">The 64-bit entity type id: the stable hash of <see cref="FullName"/>.</param>
/// <param name="IsAbstract">Abstract: clients never create it, so it is not registered.</param>
/// <param name="IsRegistrable">Not abstract and reachable from assembly-level code, so the module initializer registers it.</param>
/// <param name="HasEntityBase">A base type is an entity with replicated members, whose generated State and Interpolated this type hides.</param>
/// <param name="Members">Replicated members in mask order: inherited ones first, then the type's own in declaration order.</param>
internal sealed record EntityModel(
    string Namespace,
    string Name,
    string FullName,
    string TypeName,
    string Keyword,
    EquatableArray<string> ContainingTypes,
    ulong Id,
    bool IsAbstract,
    bool IsRegistrable,
    bool HasEntityBase,
    EquatableArray<ReplicatedMemberModel> Members)
{
    /// <summary>Set when another entity's full name differs from this one's by case only (see Helpers/HintNames.cs).</summary>
    public string HintSuffix { get; init; } = string.Empty;

    public string HintName => FullName + HintSuffix + ".NetEntity.g.cs";

    /// <summary>Some replicated members are fields, which no setter tracks.</summary>
    public bool HasReplicatedFields
    {
        get
        {
            foreach (ReplicatedMemberModel member in Members)
            {
                if (member.IsField)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>"Game.Player#0123456789ABCDEF(Position:vec3;Health:f32[q=0,100,0.5];Name:str[max=32])".</summary>
    public string Schema
    {
        get
        {
            var builder = new StringBuilder();
            builder.Append(FullName).Append('#').Append(Id.ToString("X16", CultureInfo.InvariantCulture)).Append('(');
            for (int i = 0; i < Members.Count; i++)
            {
                ReplicatedMemberModel member = Members[i];
                builder.Append(i > 0 ? ";" : string.Empty).Append(member.Name).Append(':').Append(member.Schema);
                if (member.Quantize is { } q)
                {
                    builder.Append("[q=").Append(FloatText.Invariant(q.Min)).Append(',').Append(FloatText.Invariant(q.Max)).Append(',').Append(FloatText.Invariant(q.Precision)).Append(']');
                }

                if (member.Bits > 0)
                {
                    builder.Append("[bits=").Append(member.Bits.ToString(CultureInfo.InvariantCulture)).Append(']');
                }

                if (member.MaxLength > 0)
                {
                    builder.Append("[max=").Append(member.MaxLength.ToString(CultureInfo.InvariantCulture)).Append(']');
                }
            }

            return builder.Append(')').ToString();
        }
    }
}

/// <summary>The parse step's output: a model when one can be generated, and the diagnostics either way.</summary>
internal sealed record EntityParseResult(EntityModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
