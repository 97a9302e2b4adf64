namespace Travelers.Generators.Parser;

/// <summary>Metadata names the parser recognizes.</summary>
internal static class KnownTypes
{
    public const string NetMessageAttribute = "Travelers.NetMessageAttribute";
    public const string MaxLengthAttribute = "Travelers.MaxLengthAttribute";
    public const string VarIntAttribute = "Travelers.VarIntAttribute";
    public const string NetIgnoreAttribute = "Travelers.NetIgnoreAttribute";
    public const string NetSerializerAttribute = "Travelers.NetSerializerAttribute";
    public const string NetSerializerInterface = "Travelers.INetSerializer`1";
    public const string ReplicatedAttribute = "Travelers.ReplicatedAttribute";
    public const string QuantizeAttribute = "Travelers.QuantizeAttribute";
    public const string BitsAttribute = "Travelers.BitsAttribute";
    public const string NetEntity = "Travelers.NetEntity";
    public const string NetId = "Travelers.NetId";
    public const string RpcAttribute = "Travelers.RpcAttribute";
    public const string RpcContext = "Travelers.RpcContext";
    public const string NetService = "Travelers.NetService";
    public const string CancellationToken = "System.Threading.CancellationToken";
    public const string ValueTask = "System.Threading.Tasks.ValueTask";
    public const string ValueTaskOfT = "System.Threading.Tasks.ValueTask<TResult>";
    public const string SetsRequiredMembersAttribute = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";
}
