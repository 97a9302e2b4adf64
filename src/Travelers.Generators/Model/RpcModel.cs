using Travelers.Generators.Helpers;

namespace Travelers.Generators.Model;

/// <summary>The [Rpc] methods of one entity or service type, as the emitter needs them; no symbols, no syntax.</summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Name">The type's simple name.</param>
/// <param name="FullName">Namespace, containing types and name joined with '.'.</param>
/// <param name="TypeName">The fully qualified C# name.</param>
/// <param name="Keyword">"class" or "record".</param>
/// <param name="ContainingTypes">Declarations of the containing types, outermost first.</param>
/// <param name="IsService">Derives NetService rather than NetEntity.</param>
/// <param name="IsRegistrable">Reachable from assembly-level code, so the module initializer can register its calls.</param>
/// <param name="Hidden">Proxy names ("Server", "Owner", "Observers") a base type declares already: this type's hide them.</param>
/// <param name="Methods">The methods that can be generated, in declaration order.</param>
internal sealed record RpcTypeModel(
    string Namespace,
    string Name,
    string FullName,
    string TypeName,
    string Keyword,
    EquatableArray<string> ContainingTypes,
    bool IsService,
    bool IsRegistrable,
    EquatableArray<string> Hidden,
    EquatableArray<RpcMethodModel> Methods)
{
    /// <summary>Set when another type's full name differs from this one's by case only (see Helpers/HintNames.cs).</summary>
    public string HintSuffix { get; init; } = string.Empty;

    public string HintName => FullName + HintSuffix + ".Rpc.g.cs";
}

/// <summary>One [Rpc] method.</summary>
/// <param name="Name">The method's name.</param>
/// <param name="CallName">The generated call struct's name (unique among the type's overloads).</param>
/// <param name="Signature">Type, method and parameter types: what the stable id hashes.</param>
/// <param name="Id">The RPC's stable id.</param>
/// <param name="Target">0 Server, 1 Owner, 2 Observers (RpcTarget).</param>
/// <param name="Delivery">The Delivery value.</param>
/// <param name="Channel">The channel.</param>
/// <param name="MaxPerSecond">The rate limit, or 0.</param>
/// <param name="RequireOwnership">Whether only the owner may call it.</param>
/// <param name="Returns">0 void, 1 ValueTask, 2 ValueTask&lt;T&gt; (RpcReturn).</param>
/// <param name="Result">The value's type, for <c>ValueTask&lt;T&gt;</c>.</param>
/// <param name="ResultMaxLength">[return: MaxLength] of the value, or 0.</param>
/// <param name="Parameters">Every parameter in order, the context and token included.</param>
internal sealed record RpcMethodModel(
    string Name,
    string CallName,
    string Signature,
    ulong Id,
    int Target,
    int Delivery,
    int Channel,
    int MaxPerSecond,
    bool RequireOwnership,
    int Returns,
    TypeModel? Result,
    int ResultMaxLength,
    EquatableArray<RpcParameterModel> Parameters)
{
    public string TargetName => Target switch { 0 => "Server", 1 => "Owner", _ => "Observers" };
}

/// <summary>One parameter of an [Rpc] method.</summary>
/// <param name="Name">As declared (escaped if a keyword).</param>
/// <param name="Kind">What it is: an argument sent, the context, or the token.</param>
/// <param name="TypeName">Its fully qualified type.</param>
/// <param name="Default">The default value as a literal that needs no using, or null.</param>
/// <param name="Member">For an argument: how it is serialized (a member of the call struct).</param>
/// <param name="IsParams">Declared <c>params</c>, as the proxy's parameter is then.</param>
internal sealed record RpcParameterModel(string Name, RpcParameterKind Kind, string TypeName, string? Default, MemberModel? Member, bool IsParams = false);

/// <summary>The kinds of <see cref="RpcParameterModel"/>.</summary>
internal enum RpcParameterKind
{
    Argument,
    Context,
    Cancellation,
}

/// <summary>The parse step's output: the type's model when one can be generated, and the diagnostics either way.</summary>
internal sealed record RpcParseResult(RpcTypeModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
