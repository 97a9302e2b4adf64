using Microsoft.CodeAnalysis;

namespace Travelers.Generators;

/// <summary>
/// What the generator cannot generate: serializers of messages (TRV1xxx), RPC proxies (TRV3001-TRV3007, TRV3009)
/// and replication code of entities (TRV4001-TRV4008). The parsers find them and the generator skips the type; Travelers.Analyzers'
/// CannotGenerateAnalyzer and CannotGenerateEntityAnalyzer, which compile this file and the parsers too,
/// report them on source locations (fixable, suppressible). Every id has a page at docs/rules/TRVnnnn.md.
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

    public static readonly DiagnosticDescriptor ReplicatedOutsideEntity = Create(
        "TRV4001",
        "[Replicated] member outside a NetEntity",
        "'{0}' is [Replicated], but '{1}' does not derive from Travelers.NetEntity, so nothing replicates it: derive '{1}' from NetEntity, or remove [Replicated]",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor EntityNotPartial = Create(
        "TRV4002",
        "Entity type must be partial",
        "Travelers cannot generate the replication code of '{0}': add the 'partial' modifier to '{1}'",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor UnsupportedReplicatedType = Create(
        "TRV4003",
        "Replicated member type is not supported",
        "Member '{0}' of '{1}' has type '{2}', which Travelers cannot replicate: use bool, an integer type (byte to ulong, or char), an enum, float, double, Vector2, Vector3, Vector4, Quaternion, string or NetId",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor InvalidQuantize = Create(
        "TRV4004",
        "[Quantize] is invalid",
        "[Quantize] on '{0}' is invalid: {1}",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor MemberNotReplicable = Create(
        "TRV4005",
        "Member cannot be replicated as declared",
        "'{0}' cannot be replicated: {1}",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor InvalidBits = Create(
        "TRV4006",
        "[Bits] is invalid",
        "[Bits] on '{0}' is invalid: {1}",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor EntityNotCreatable = Create(
        "TRV4007",
        "Entity type must be non-generic and have a parameterless constructor",
        "Travelers cannot generate the replication code of '{0}': {1}",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor GeneratedNameTaken = Create(
        "TRV4008",
        "Entity member named like a member the generator writes",
        "'{0}' has the name of {1}, which Travelers generates in every entity: rename it",
        ReplicationCategory);

    public static readonly DiagnosticDescriptor RpcOutsideEntityOrService = Create(
        "TRV3001",
        "[Rpc] method outside a NetEntity or NetService",
        "'{0}' is [Rpc], but '{1}' {2}, so no proxy can call it: declare it in a partial class deriving Travelers.NetEntity or Travelers.NetService",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcTypeNotPartial = Create(
        "TRV3002",
        "Type with [Rpc] methods must be partial",
        "Travelers cannot generate the RPC proxies of '{0}': add the 'partial' modifier to '{1}'",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcUnsupportedSignature = Create(
        "TRV3003",
        "[Rpc] parameter or return type is not supported",
        "[Rpc] method '{0}' cannot be called remotely: {1}",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcByReference = Create(
        "TRV3004",
        "[Rpc] parameters cannot be ref, out or in",
        "Parameter '{0}' of [Rpc] method '{1}' is '{2}': a remote call copies its arguments and returns nothing through them; pass it by value",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcContextNotLast = Create(
        "TRV3005",
        "RpcContext and CancellationToken must come last",
        "Parameter '{0}' of [Rpc] method '{1}' must come last: {2}",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcReturnsToNobody = Create(
        "TRV3006",
        "Owner and Observers RPCs cannot return a value",
        "[Rpc(RpcTarget.{0})] method '{1}' returns '{2}', but the server calls it without waiting for clients: return void",
        RpcCategory);

    public static readonly DiagnosticDescriptor RpcUnboundedArgument = Create(
        "TRV3007",
        "Server RPC string or collection parameter without [MaxLength]",
        "Parameter '{0}' of server RPC '{1}' is input from untrusted clients with no [MaxLength]: only the global limit ({2}) bounds it; add [MaxLength(n)] with the largest value the game needs",
        RpcCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor RpcInvalidSettings = Create(
        "TRV3009",
        "[Rpc] settings cannot work",
        "[Rpc] on '{0}' cannot work: {1}",
        RpcCategory);

    private const string GeneratorCategory = "Travelers.Generator";

    private const string ReplicationCategory = "Travelers.Replication";

    private const string RpcCategory = "Travelers.Rpc";

    private static DiagnosticDescriptor Create(string id, string title, string message, string category = GeneratorCategory, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
