using Microsoft.CodeAnalysis.Testing;
using Travelers.CodeFixes;
using Travelers.Generators;
using static Travelers.Analyzers.Tests.Rules.RpcVerify;

namespace Travelers.Analyzers.Tests.Rules;

/// <summary>TRV3001: [Rpc] on a class that is neither an entity nor a service.</summary>
public sealed class RpcOutsideEntityOrServiceTests
{
    [Fact]
    public async Task An_rpc_on_a_plain_class_is_reported_and_one_on_a_service_is_not()
    {
        await AnalyzerAsync(
            """
            public partial class Shop { [Rpc(RpcTarget.Server)] void {|#0:Buy|}(int item) { } }
            public partial class Lobby : NetService { [Rpc(RpcTarget.Server)] void Join(int team) { } }
            """,
            Diagnostic(DiagnosticDescriptors.RpcOutsideEntityOrService, 0, "Buy", "Shop", "does not derive from Travelers.NetEntity or Travelers.NetService"));
    }
}

/// <summary>TRV3002: the type is not partial; the fix adds it.</summary>
public sealed class RpcTypeNotPartialTests
{
    [Fact]
    public async Task A_service_that_is_not_partial_gets_partial()
    {
        await CodeFixAsync<AddPartialCodeFix>(
            "public class {|#0:Lobby|} : NetService { [Rpc(RpcTarget.Server)] void Join(int team) { } }\n",
            "public partial class Lobby : NetService { [Rpc(RpcTarget.Server)] void Join(int team) { } }\n",
            Diagnostic(DiagnosticDescriptors.RpcTypeNotPartial, 0, "Lobby", "Lobby"));
    }
}

/// <summary>TRV3003: parameters and results that cannot travel, static and generic methods.</summary>
public sealed class RpcUnsupportedSignatureTests
{
    [Fact]
    public async Task Unsupported_types_returns_static_and_generic_methods_are_reported()
    {
        await AnalyzerAsync(
            """
            public partial class Lobby : NetService
            {
                [Rpc(RpcTarget.Server)] void Join(System.Action {|#0:callback|}) { }
                [Rpc(RpcTarget.Server)] Task {|#1:Old|}() => Task.CompletedTask;
                [Rpc(RpcTarget.Server)] static void {|#2:Shared|}() { }
                [Rpc(RpcTarget.Server)] ValueTask<object> {|#3:Any|}() => default;
                [Rpc(RpcTarget.Server)] ValueTask<int> Fine(int a, Vector3 b) => default;
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcUnsupportedSignature, 0, "Join", "parameter 'callback' has type 'System.Action', which Travelers cannot serialize (delegates are code, not data)"),
            Diagnostic(DiagnosticDescriptors.RpcUnsupportedSignature, 1, "Old", "it returns 'System.Threading.Tasks.Task'; an RPC returns void (fire and forget), ValueTask or ValueTask<T>"),
            Diagnostic(DiagnosticDescriptors.RpcUnsupportedSignature, 2, "Shared", "it is static; an RPC runs on the instance it is called on"),
            Diagnostic(DiagnosticDescriptors.RpcUnsupportedSignature, 3, "Any", "its result type 'object' cannot be serialized ('object' has no fixed shape: the reader could not know what to create)"));
    }
}

/// <summary>TRV3004: by-reference parameters.</summary>
public sealed class RpcByReferenceTests
{
    [Fact]
    public async Task Ref_out_and_in_parameters_are_reported()
    {
        await AnalyzerAsync(
            """
            public partial class Lobby : NetService
            {
                [Rpc(RpcTarget.Server)] void Move(ref int {|#0:a|}, in int {|#1:b|}, int c) { }
                [Rpc(RpcTarget.Server)] void Get(out int {|#2:a|}) { a = 0; }
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcByReference, 0, "a", "Move", "ref"),
            Diagnostic(DiagnosticDescriptors.RpcByReference, 1, "b", "Move", "in"),
            Diagnostic(DiagnosticDescriptors.RpcByReference, 2, "a", "Get", "out"));
    }
}

/// <summary>TRV3005: the context and token come last.</summary>
public sealed class RpcContextNotLastTests
{
    [Fact]
    public async Task A_context_or_token_before_an_argument_is_reported_and_context_then_token_is_not()
    {
        await AnalyzerAsync(
            """
            public partial class Lobby : NetService
            {
                [Rpc(RpcTarget.Server)] void Join(RpcContext {|#0:context|}, int team) { }
                [Rpc(RpcTarget.Server)] ValueTask Wait(CancellationToken {|#1:token|}, RpcContext context) => default;
                [Rpc(RpcTarget.Server)] ValueTask Fine(int a, RpcContext context, CancellationToken token) => default;
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcContextNotLast, 0, "context", "Join", "the RpcContext is the last parameter, or the last but a CancellationToken"),
            Diagnostic(DiagnosticDescriptors.RpcContextNotLast, 1, "token", "Wait", "the CancellationToken is the last parameter"));
    }
}

/// <summary>TRV3006: Owner and Observers RPCs return void.</summary>
public sealed class RpcReturnsToNobodyTests
{
    [Fact]
    public async Task Owner_and_observers_rpcs_returning_tasks_are_reported()
    {
        await AnalyzerAsync(
            """
            public partial class Player : NetEntity
            {
                [Replicated] public int Hp;
                [Rpc(RpcTarget.Owner)] ValueTask<bool> {|#0:Confirm|}() => default;
                [Rpc(RpcTarget.Observers)] ValueTask {|#1:Shout|}() => default;
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcReturnsToNobody, 0, "Owner", "Confirm", "System.Threading.Tasks.ValueTask<bool>"),
            Diagnostic(DiagnosticDescriptors.RpcReturnsToNobody, 1, "Observers", "Shout", "System.Threading.Tasks.ValueTask"));
    }
}

/// <summary>TRV3007: unbounded input from clients.</summary>
public sealed class RpcUnboundedArgumentTests
{
    [Fact]
    public async Task Server_rpc_strings_and_collections_without_MaxLength_are_reported_and_owner_rpcs_are_not()
    {
        await AnalyzerAsync(
            """
            public partial class Player : NetEntity
            {
                [Replicated] public int Hp;
                [Rpc(RpcTarget.Server)] void Say(string {|#0:text|}, int[] {|#1:codes|}, [MaxLength(8)] string fine) { }
                [Rpc(RpcTarget.Owner)] void Told(string text) { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcUnboundedArgument, 0, "text", "Say", "64 KB of UTF-8 or 65,536 elements"),
            Diagnostic(DiagnosticDescriptors.RpcUnboundedArgument, 1, "codes", "Say", "64 KB of UTF-8 or 65,536 elements"));
    }
}

/// <summary>TRV3009: settings that contradict each other.</summary>
public sealed class RpcInvalidSettingsTests
{
    [Fact]
    public async Task An_owner_rpc_on_a_service_and_a_negative_rate_are_reported()
    {
        await AnalyzerAsync(
            """
            public partial class Lobby : NetService
            {
                [Rpc(RpcTarget.Owner)] void {|#0:Notify|}() { }
                [Rpc(RpcTarget.Server, MaxPerSecond = -1)] void {|#1:Join|}() { }
            }
            """,
            Diagnostic(DiagnosticDescriptors.RpcInvalidSettings, 0, "Notify", "a service has no owner: use RpcTarget.Observers to reach every client, or move the method to an entity"),
            Diagnostic(DiagnosticDescriptors.RpcInvalidSettings, 1, "Join", "MaxPerSecond is -1; use 0 for no limit or a positive rate"));
    }
}
