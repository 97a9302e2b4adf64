namespace Travelers.Analyzers;

/// <summary>
/// Diagnostic categories, one per id range of <see cref="DiagnosticIds"/>. Users can set the severity of a
/// whole category in .editorconfig (<c>dotnet_analyzer_diagnostic.category-Travelers.Rpc.severity</c>).
/// </summary>
internal static class Categories
{
    /// <summary>TRV1xxx. The generator's own descriptors use the same string.</summary>
    public const string Generator = "Travelers.Generator";

    /// <summary>TRV2xxx: message declarations.</summary>
    public const string Messages = "Travelers.Messages";

    /// <summary>TRV3xxx: RPC.</summary>
    public const string Rpc = "Travelers.Rpc";

    /// <summary>TRV4xxx: replication.</summary>
    public const string Replication = "Travelers.Replication";

    /// <summary>TRV5xxx: sending and receiving.</summary>
    public const string Sending = "Travelers.Sending";
}
