namespace Travelers.Analyzers;

/// <summary>
/// Every Travelers diagnostic id, by range: TRV1xxx the generator (cannot generate), TRV2xxx message
/// declarations, TRV3xxx RPC, TRV4xxx replication, TRV5xxx sending and receiving.
/// </summary>
public static class DiagnosticIds
{
}
