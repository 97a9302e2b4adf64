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
/// <param name="Model">The entity's model; null when it has errors.</param>
/// <param name="Diagnostics">Its errors (reported by the analyzers, not the generator).</param>
/// <param name="Stub">For a type with errors: the implementations its partial [Replicated] properties still need.</param>
internal sealed record EntityParseResult(EntityModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, EntityStubModel? Stub = null);

/// <summary>
/// A type with [Replicated] partial properties whose replication cannot be generated. Their implementing declarations
/// are written all the same, with accessors that throw (no backing field, which an interface, a struct or a ref
/// struct type would not take): without them the compiler reports CS9248 on each, and
/// <c>dotnet build</c> stops at that declaration error before running the analyzers, so the TRV4xxx error that says
/// what is wrong would never show.
/// </summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Name">The type's name as its declaration writes it, with its type parameters.</param>
/// <param name="FullName">Namespace, containing types and name joined with '.', a generic one's arity after '_'.</param>
/// <param name="Keyword">"class" (or "record", "struct").</param>
/// <param name="ContainingTypes">Declarations of the containing types, outermost first.</param>
/// <param name="Properties">The partial [Replicated] properties without an implementation.</param>
internal sealed record EntityStubModel(
    string Namespace,
    string Name,
    string FullName,
    string Keyword,
    EquatableArray<string> ContainingTypes,
    EquatableArray<PropertyStub> Properties)
{
    /// <summary>Set when another stub's full name differs from this one's by case only.</summary>
    public string HintSuffix { get; init; } = string.Empty;

    public string HintName => FullName + HintSuffix + ".NetEntity.Stub.g.cs";
}

/// <summary>A partial property's implementing declaration to write.</summary>
/// <param name="Name">Its name.</param>
/// <param name="TypeName">Its type, fully qualified, with nullable annotations.</param>
/// <param name="Shape">Its modifiers and accessors, as declared.</param>
internal sealed record PropertyStub(string Name, string TypeName, PropertyShape Shape);
