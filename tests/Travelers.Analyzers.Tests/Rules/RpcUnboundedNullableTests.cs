using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.RpcVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV3007 on Nullable&lt;ReadOnlyMemory&lt;byte&gt;&gt;: the bytes inside are as unbounded as without the '?'.</summary>
public sealed class RpcUnboundedNullableTests
{
    [Fact]
    public async Task A_nullable_byte_memory_server_argument_without_MaxLength_is_reported()
    {
        await AnalyzerAsync(
            """
            public partial class Player : NetEntity
            {
                [Replicated] public int Hp;
                [Rpc(RpcTarget.Server)] void Upload(System.ReadOnlyMemory<byte>? {|#0:data|}, [MaxLength(8)] System.ReadOnlyMemory<byte>? fine) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcUnboundedArgument, 0, "data", "Upload", "64 KB of UTF-8 or 65,536 elements"));
    }
}
