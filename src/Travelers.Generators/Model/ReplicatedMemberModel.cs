using Travelers.Generators.Helpers;

namespace Travelers.Generators.Model;

/// <summary>One replicated member, in mask order.</summary>
/// <param name="Name">The member's name, also the name of its field in the State struct.</param>
/// <param name="Kind">How it is packed.</param>
/// <param name="TypeName">Its fully qualified C# type, with nullable annotations (an enum's own name for enums).</param>
/// <param name="Schema">Its wire type in the entity schema, as messages name it ("f32", "enum&lt;u8&gt;", "netid").</param>
/// <param name="IsEnum">An enum: <see cref="Kind"/> is its underlying type's.</param>
/// <param name="IsAnnotated">Declared nullable (<c>string?</c>).</param>
/// <param name="IsField">A field (compared each tick) rather than a property (tracked by its setter).</param>
/// <param name="IsInherited">Declared by a base entity: read and written through its own property or field, since its backing field is private there.</param>
/// <param name="Property">For the type's own partial properties: what the implementing declaration repeats.</param>
/// <param name="Bits">[Bits] width, or 0 for the type's own.</param>
/// <param name="Quantize">[Quantize] range and step, or null.</param>
/// <param name="MaxLength">[MaxLength] in chars for strings, or 0.</param>
internal sealed record ReplicatedMemberModel(
    string Name,
    ReplicatedKind Kind,
    string TypeName,
    string Schema,
    bool IsEnum,
    bool IsAnnotated,
    bool IsField,
    bool IsInherited,
    PropertyShape? Property,
    int Bits,
    QuantizeModel? Quantize,
    int MaxLength);

/// <summary>The user's defining declaration of a partial property, as its implementing declaration must repeat it.</summary>
/// <param name="Modifiers">Every modifier in the user's order, <c>partial</c> included: "public partial", "protected virtual partial".</param>
/// <param name="Accessors">The accessors in the user's order.</param>
internal sealed record PropertyShape(string Modifiers, EquatableArray<AccessorShape> Accessors);

/// <summary>One accessor of a partial property.</summary>
/// <param name="Modifiers">Its own modifiers ("private", "protected internal"), or empty.</param>
/// <param name="Keyword">"get", "set" or "init".</param>
internal sealed record AccessorShape(string Modifiers, string Keyword);

/// <summary>[Quantize(min, max, precision)] as written (validated by the parser).</summary>
internal sealed record QuantizeModel(float Min, float Max, float Precision);
