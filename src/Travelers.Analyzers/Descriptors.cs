using Microsoft.CodeAnalysis;

namespace Travelers.Analyzers;

/// <summary>Every analyzer descriptor, in one place; each rule's analyzer lives in its own file under Rules/.</summary>
internal static class Descriptors
{
    /// <summary>TRV2001.</summary>
    public static readonly DiagnosticDescriptor DuplicateMessageId = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.DuplicateMessageId,
        "Two messages have the same id",
        "Messages '{0}' and '{1}' both have id 0x{2}, so a peer could not tell them apart: {3}",
        Categories.Messages,
        DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd); // the IDE reports it after whole-compilation analysis

    /// <summary>TRV2002.</summary>
    public static readonly DiagnosticDescriptor InvalidMaxLength = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.InvalidMaxLength,
        "[MaxLength] has no effect here",
        "[MaxLength] on '{0}' has no effect: {1}",
        Categories.Messages,
        DiagnosticSeverity.Warning);

    /// <summary>TRV2003.</summary>
    public static readonly DiagnosticDescriptor MemberNotSent = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.MemberNotSent,
        "Member is never sent",
        "'{0}.{1}' is get-only and no constructor parameter sets it, so deserialization cannot set it and it is not sent: make it 'init' or mark it [NetIgnore]",
        Categories.Messages,
        DiagnosticSeverity.Warning);

    /// <summary>TRV2004.</summary>
    public static readonly DiagnosticDescriptor MissingMaxLength = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.MissingMaxLength,
        "String or collection member has no [MaxLength]",
        "'{0}.{1}' has no [MaxLength]: a peer may send up to {2} {3}; add [MaxLength] with the most this member needs",
        Categories.Messages,
        DiagnosticSeverity.Info);

    /// <summary>TRV2005.</summary>
    public static readonly DiagnosticDescriptor BreakingSchemaChange = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.BreakingSchemaChange,
        "Message change breaks peers built from the shipped schema",
        "'{0}' no longer matches Travelers.Schema.txt in a way peers built from it cannot read: {1}",
        Categories.Messages,
        DiagnosticSeverity.Warning);

    /// <summary>TRV2006.</summary>
    public static readonly DiagnosticDescriptor SchemaFileOutOfDate = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.SchemaFileOutOfDate,
        "Travelers.Schema.txt does not list this message as it is",
        "'{0}' {1}: update Travelers.Schema.txt",
        Categories.Messages,
        DiagnosticSeverity.Info);

    /// <summary>TRV3008.</summary>
    public static readonly DiagnosticDescriptor RpcCalledDirectly = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.RpcCalledDirectly,
        "[Rpc] method called directly",
        "'{0}' is an [Rpc] method: called directly it runs here, not {1}; call it through its proxy, '{2}.{0}(...)'",
        Categories.Rpc,
        DiagnosticSeverity.Warning);

    /// <summary>TRV5001.</summary>
    public static readonly DiagnosticDescriptor NotAMessage = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.NotAMessage,
        "Type is not a message",
        "'{0}' is not a [NetMessage] type, so '{1}' cannot send or read it: mark it [NetMessage] and partial",
        Categories.Sending,
        DiagnosticSeverity.Error);

    /// <summary>TRV5002.</summary>
    public static readonly DiagnosticDescriptor UnreliableMayFragment = DiagnosticDescriptorFactory.Create(
        DiagnosticIds.UnreliableMayFragment,
        "Message sent unreliably can be larger than a datagram",
        "'{0}' can take up to {1} bytes, more than the {2} a UDP datagram holds: sent {3}, it would be split into fragments and one lost fragment loses all of it; bound its strings and collections with [MaxLength], or send it reliably",
        Categories.Sending,
        DiagnosticSeverity.Warning);
}
