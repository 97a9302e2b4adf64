namespace Travelers.Analyzers;

/// <summary>
/// Every Travelers diagnostic id, by range, so the whole id space reads in one place. Each id has a page
/// at docs/rules/TRVnnnn.md; a new rule takes the next free id of its range and never reuses a retired one.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>TRV1xxx</term><description>A [NetMessage] type the generator cannot generate a serializer for (errors; found by the generator's parser, reported by CannotGenerateAnalyzer).</description></item>
/// <item><term>TRV2xxx</term><description>Message declarations: misuse that still generates, such as members that are never sent.</description></item>
/// <item><term>TRV3xxx</term><description>RPC declarations and calls.</description></item>
/// <item><term>TRV4xxx</term><description>Replication. TRV4001-TRV4008: an entity type the generator cannot generate replication code for (errors; found by the generator's parser, reported by CannotGenerateEntityAnalyzer).</description></item>
/// <item><term>TRV5xxx</term><description>Sending and receiving messages.</description></item>
/// </list>
/// </remarks>
public static class DiagnosticIds
{
    // TRV1xxx: what the generator cannot generate. The descriptors live in Travelers.Generators.DiagnosticDescriptors,
    // compiled into both assemblies; the ids are repeated here for the code fixes, and a test keeps the lists equal.

    /// <summary>TRV1001: a [NetMessage] type, or a type containing it, is not partial.</summary>
    public const string TypeNotPartial = "TRV1001";

    /// <summary>TRV1002: a serialized member has a type Travelers cannot serialize.</summary>
    public const string UnsupportedMemberType = "TRV1002";

    /// <summary>TRV1003: a [NetMessage] type is generic.</summary>
    public const string GenericMessage = "TRV1003";

    /// <summary>TRV1004: a [NetMessage] type has no constructor deserialization can call.</summary>
    public const string NoConstructor = "TRV1004";

    /// <summary>TRV1005: the type named by [NetSerializer] does not implement INetSerializer&lt;T&gt; for the member's type.</summary>
    public const string InvalidSerializer = "TRV1005";

    // TRV2xxx: message declarations.

    /// <summary>TRV2001: two messages in a compilation have the same explicit or stable id.</summary>
    public const string DuplicateMessageId = "TRV2001";

    /// <summary>TRV2002: [MaxLength] on a member with no length, or with a value of 0 or less.</summary>
    public const string InvalidMaxLength = "TRV2002";

    /// <summary>TRV2003: a get-only member that no constructor parameter sets: never sent.</summary>
    public const string MemberNotSent = "TRV2003";

    /// <summary>TRV2004: a string or collection member without [MaxLength] (Info).</summary>
    public const string MissingMaxLength = "TRV2004";

    /// <summary>TRV2005: a message changed in a way peers built from Travelers.Schema.txt cannot read.</summary>
    public const string BreakingSchemaChange = "TRV2005";

    /// <summary>TRV2006: a new message, or a compatible change, not yet in Travelers.Schema.txt (Info, with a fix).</summary>
    public const string SchemaFileOutOfDate = "TRV2006";

    // TRV3xxx: RPC. TRV3001-TRV3007 and TRV3009 are what the generator cannot generate (or, TRV3007, should not
    // accept silently); their descriptors live in Travelers.Generators.DiagnosticDescriptors.

    /// <summary>TRV3001: an [Rpc] method outside a class deriving NetEntity or NetService.</summary>
    public const string RpcOutsideEntityOrService = "TRV3001";

    /// <summary>TRV3002: a type with [Rpc] methods, or a type containing it, is not partial.</summary>
    public const string RpcTypeNotPartial = "TRV3002";

    /// <summary>TRV3003: an [Rpc] parameter or return type that cannot travel, a static or generic [Rpc] method.</summary>
    public const string RpcUnsupportedSignature = "TRV3003";

    /// <summary>TRV3004: a ref, out or in parameter on an [Rpc] method.</summary>
    public const string RpcByReference = "TRV3004";

    /// <summary>TRV3005: RpcContext or CancellationToken not at the end of the parameters.</summary>
    public const string RpcContextNotLast = "TRV3005";

    /// <summary>TRV3006: an Owner or Observers RPC returning ValueTask or ValueTask&lt;T&gt;.</summary>
    public const string RpcReturnsToNobody = "TRV3006";

    /// <summary>TRV3007: a string or collection parameter of a Server RPC without [MaxLength] (Warning).</summary>
    public const string RpcUnboundedArgument = "TRV3007";

    /// <summary>TRV3008: an [Rpc] method called directly rather than through its proxy: it runs locally (Warning, with a fix).</summary>
    public const string RpcCalledDirectly = "TRV3008";

    /// <summary>TRV3009: [Rpc] settings that cannot work (an Owner RPC on a service, a negative MaxPerSecond).</summary>
    public const string RpcInvalidSettings = "TRV3009";

    // TRV4xxx: replication. TRV4001-TRV4008 are what the generator cannot generate; like TRV1xxx their descriptors
    // live in Travelers.Generators.DiagnosticDescriptors, and the ids are repeated here for the code fixes.

    /// <summary>TRV4001: a [Replicated] member in a type that does not derive from NetEntity.</summary>
    public const string ReplicatedOutsideEntity = "TRV4001";

    /// <summary>TRV4002: an entity type, or a type containing it, is not partial.</summary>
    public const string EntityNotPartial = "TRV4002";

    /// <summary>TRV4003: a [Replicated] member has a type Travelers cannot replicate.</summary>
    public const string UnsupportedReplicatedType = "TRV4003";

    /// <summary>TRV4004: [Quantize] with an empty or too fine range, or on a member that is not a float or vector.</summary>
    public const string InvalidQuantize = "TRV4004";

    /// <summary>TRV4005: a [Replicated] member that is static, readonly, not a partial property, or cannot be set.</summary>
    public const string MemberNotReplicable = "TRV4005";

    /// <summary>TRV4006: [Bits] outside the range of the member's type, or on a type it does not apply to.</summary>
    public const string InvalidBits = "TRV4006";

    /// <summary>TRV4007: an entity type that is generic, or that clients cannot create with a parameterless constructor.</summary>
    public const string EntityNotCreatable = "TRV4007";

    /// <summary>TRV4008: an entity member named like a member the generator writes in every entity (State, Interpolated).</summary>
    public const string GeneratedNameTaken = "TRV4008";

    // TRV5xxx: sending and receiving.

    /// <summary>TRV5001: a type argument that must be a message is not one.</summary>
    public const string NotAMessage = "TRV5001";

    /// <summary>TRV5002: a message sent unreliably can be larger than a datagram, so it would be fragmented.</summary>
    public const string UnreliableMayFragment = "TRV5002";
}
