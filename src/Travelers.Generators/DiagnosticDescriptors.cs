using Microsoft.CodeAnalysis;

namespace Travelers.Generators;

/// <summary>
/// What the generator cannot generate (TRV1xxx). The parser finds them and the generator skips the type;
/// Travelers.Analyzers' CannotGenerateAnalyzer, which compiles this file and the parser too, reports them
/// on source locations (fixable, suppressible). Every id has a page at docs/rules/TRVnnnn.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string HelpLinkBase = "https://github.com/travelers-net/travelers/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "TRV1001",
        "Message type must be partial",
        "Travelers cannot generate the serializer of '{0}': add the 'partial' modifier to '{1}'");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "TRV1002",
        "Member type cannot be serialized",
        "Member '{0}' of '{1}' has type '{2}', which Travelers cannot serialize: {3}. Use a supported type, mark the type [NetMessage], give it a [NetSerializer], or exclude the member with [NetIgnore].");

    public static readonly DiagnosticDescriptor GenericMessage = Create(
        "TRV1003",
        "Generic message types are not supported",
        "'{0}' is generic or nested in a generic type; a [NetMessage] type needs one stable id and schema, so declare a non-generic type for each use");

    public static readonly DiagnosticDescriptor NoConstructor = Create(
        "TRV1004",
        "Message type has no usable constructor",
        "'{0}' cannot be created when deserializing: {1}. Add a public parameterless constructor or one whose parameters match serialized members by name and type.");

    public static readonly DiagnosticDescriptor InvalidSerializer = Create(
        "TRV1005",
        "Custom serializer does not implement INetSerializer<T>",
        "'{0}' named by [NetSerializer] on '{1}' must implement Travelers.INetSerializer<{2}>");

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        new(id, title, message, "Travelers.Generator", DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
