using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Emitter;

/// <summary>
/// Writes the RPC code of one entity or service type: the proxies (<c>Server</c>, <c>Owner</c>, <c>Observers</c>, only those
/// the type uses), and per method a call struct that carries the arguments (serialized by <see cref="MessageEmitter"/>'s
/// rules) and runs the method where the call arrives.
/// </summary>
internal static class RpcEmitter
{
    private const string Rt = "global::Travelers.";

    private static readonly string[] Targets = ["Server", "Owner", "Observers"];

    public static string Emit(RpcTypeModel m)
    {
        var w = new SourceWriter();
        int opened = w.BeginFile("obsolete types still go on the wire", m.Namespace, m.ContainingTypes);
        w.Open("partial " + m.Keyword + " " + Identifiers.Escape(m.Name));
        bool first = true;
        for (int target = 0; target < Targets.Length; target++)
        {
            List<RpcMethodModel> methods = m.Methods.Where(x => x.Target == target).ToList();
            if (methods.Count == 0)
            {
                continue;
            }

            if (!first)
            {
                w.Line();
            }

            first = false;
            EmitProxy(w, m, Targets[target], methods);
        }

        foreach (RpcMethodModel method in m.Methods)
        {
            w.Line();
            EmitCall(w, m, method);
        }

        w.Close();
        w.EndFile(opened);
        return w.ToString();
    }

    private static void EmitProxy(SourceWriter w, RpcTypeModel m, string target, List<RpcMethodModel> methods)
    {
        string proxy = target + "Rpcs";
        string hides = m.Hidden.Contains(target) ? "new " : string.Empty;
        string where = target switch
        {
            "Server" => "on the server (a client calls them; the server checks ownership, visibility and rate before running them)",
            "Owner" => "on the client that owns this entity (the server calls them)",
            _ => m.IsService ? "on every client (the server calls them)" : "on every client that sees this entity (the server calls them)",
        };
        w.Line("/// <summary>The [Rpc(RpcTarget." + target + ")] methods of " + m.Name + ": each runs " + where + ".</summary>");
        w.Line("public " + hides + proxy + " " + target + " => new(this);");
        w.Line();
        w.Line("/// <summary>Calls the [Rpc(RpcTarget." + target + ")] methods of " + m.Name + ": each runs " + where + ".</summary>");
        w.Open("public " + hides + "readonly struct " + proxy);
        w.Line("private readonly " + m.TypeName + " _target;");
        w.Line();
        w.Line("internal " + proxy + "(" + m.TypeName + " target) => _target = target;");
        foreach (RpcMethodModel method in methods)
        {
            w.Line();
            EmitProxyMethod(w, method);
        }

        w.Close();
    }

    private static void EmitProxyMethod(SourceWriter w, RpcMethodModel method)
    {
        var parameters = new List<string>();
        string token = "default";
        foreach (RpcParameterModel parameter in method.Parameters)
        {
            switch (parameter.Kind)
            {
                case RpcParameterKind.Argument:
                    parameters.Add((parameter.IsParams ? "params " : string.Empty) + parameter.TypeName + " " + parameter.Name + (parameter.Default is null ? string.Empty : " = " + parameter.Default));
                    break;
                case RpcParameterKind.Cancellation:
                    parameters.Add(parameter.TypeName + " " + parameter.Name + " = default");
                    token = parameter.Name;
                    break;
            }
        }

        string returnType = method.Returns switch
        {
            0 => "void",
            1 => "global::System.Threading.Tasks.ValueTask",
            _ => "global::System.Threading.Tasks.ValueTask<" + method.Result!.TypeName + ">",
        };
        string what = method.Returns switch
        {
            0 => "Sends a call of " + method.Name + "; it returns at once (fire and forget).",
            1 => "Calls " + method.Name + " and completes once it has run; fails with RpcException, TimeoutException or OperationCanceledException.",
            _ => "Calls " + method.Name + " and completes with its result; fails with RpcException, TimeoutException or OperationCanceledException.",
        };
        w.Line("/// <summary>" + what + "</summary>");
        w.Open("public " + returnType + " " + Identifiers.Escape(method.Name) + "(" + string.Join(", ", parameters) + ")");
        string init = string.Join(", ", method.Parameters.Where(p => p.Kind == RpcParameterKind.Argument).Select(p => p.Name + " = " + p.Name));

        // The user's parameters may have any name: the local takes one none has, the field is reached through this when one shadows it.
        string local = "__call";
        while (method.Parameters.Any(p => p.Name.TrimStart('@') == local))
        {
            local = "_" + local;
        }

        string self = method.Parameters.Any(p => p.Name.TrimStart('@') == "_target") ? "this._target" : "_target";
        w.Line("var " + local + " = new " + method.CallName + (init.Length == 0 ? "()" : " { " + init + " }") + ";");
        switch (method.Returns)
        {
            case 0:
                w.Line(Rt + "RpcCalls.Send(" + self + ", in " + local + ");");
                break;
            case 1:
                w.Line("return " + Rt + "RpcCalls.Request(" + self + ", in " + local + ", " + token + ");");
                break;
            default:
                w.Line("return " + Rt + "RpcCalls.Request<" + method.CallName + ", " + method.Result!.TypeName + ">(" + self + ", in " + local + ", " + token + ");");
                break;
        }

        w.Close();
    }

    private static void EmitCall(SourceWriter w, RpcTypeModel m, RpcMethodModel method)
    {
        string call = method.CallName;
        string iface = method.Returns == 2
            ? Rt + "IRpcRequest<" + call + ", " + method.Result!.TypeName + ">"
            : Rt + "IRpcCall<" + call + ">";
        string callIface = Rt + "IRpcCall<" + call + ">";
        w.Line("/// <summary>The arguments of " + method.Name + ", and the code that runs it where the call arrives.</summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open("internal partial struct " + call + " : " + iface);
        foreach (RpcParameterModel parameter in method.Parameters.Where(p => p.Kind == RpcParameterKind.Argument))
        {
            w.Line("public " + parameter.TypeName + " " + parameter.Name + ";");
        }

        if (method.Parameters.Any(p => p.Kind == RpcParameterKind.Argument))
        {
            w.Line();
        }

        w.Line("private static readonly " + Rt + "RpcInfo s_info = new(typeof(" + m.TypeName + "), " + Literal(method.Name) + ", "
            + Rt + "RpcTarget." + method.TargetName + ", " + Rt + "Delivery." + DeliveryName(method.Delivery) + ", " + Int(method.Channel) + ", "
            + Int(method.MaxPerSecond) + ", " + (method.RequireOwnership ? "true" : "false") + ", " + Rt + "RpcReturn." + (method.Returns switch { 0 => "None", 1 => "Task", _ => "Value" }) + ");");
        w.Line();
        w.Line("static " + Rt + "RpcInfo " + callIface + ".Info => s_info;");
        w.Line();
        w.Open("static void " + callIface + ".Invoke(object target, ref " + call + " call, in " + Rt + "RpcContext context)");
        var arguments = method.Parameters.Select(p => p.Kind switch
        {
            RpcParameterKind.Argument => "call." + p.Name,
            RpcParameterKind.Context => "context",
            _ => "context.CancellationToken",
        });
        string invocation = "((" + m.TypeName + ")target)." + Identifiers.Escape(method.Name) + "(" + string.Join(", ", arguments) + ")";
        switch (method.Returns)
        {
            case 0:
                w.Line(invocation + ";");
                break;
            case 1:
                w.Line(Rt + "RpcCalls.Complete<" + call + ">(in context, " + invocation + ");");
                break;
            default:
                w.Line(Rt + "RpcCalls.Complete<" + call + ", " + method.Result!.TypeName + ">(in context, " + invocation + ");");
                break;
        }

        w.Close();
        if (method.Returns == 2)
        {
            string result = call + "_Result";
            string value = method.Result!.TypeName;
            w.Line();
            w.Open("static void " + iface + ".WriteResult(ref " + Rt + "NetWriter writer, in " + value + " value)");
            w.Line("var result = new " + result + " { Value = value };");
            w.Line(Rt + "RpcCalls.Write(ref writer, in result);");
            w.Close();
            w.Line();
            w.Line("static " + value + " " + iface + ".ReadResult(ref " + Rt + "NetReader reader) => " + Rt + "RpcCalls.Read<" + result + ">(ref reader).Value;");
        }

        w.Close();
        w.Line();
        MessageEmitter.EmitType(w, CallModel(m, method));
        if (method.Returns == 2)
        {
            w.Line();
            w.Line("/// <summary>The result of " + method.Name + " on the wire.</summary>");
            w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.Open("internal partial struct " + call + "_Result");
            w.Line("public " + method.Result!.TypeName + " Value;");
            w.Close();
            w.Line();
            MessageEmitter.EmitType(w, ResultModel(m, method));
        }
    }

    /// <summary>The call struct as a message: its members are the arguments; its id is the RPC's.</summary>
    private static MessageModel CallModel(RpcTypeModel m, RpcMethodModel method)
    {
        List<MemberModel> members = method.Parameters.Where(p => p.Kind == RpcParameterKind.Argument).Select(p => p.Member!).ToList();
        string schemaName = method.Signature + (method.Result is null ? string.Empty : "->" + method.Result.Schema);
        return Struct(m, method.CallName, schemaName, method.Id, members);
    }

    private static MessageModel ResultModel(RpcTypeModel m, RpcMethodModel method)
    {
        var member = new MemberModel("Value", method.Result!, true, -1, false, method.ResultMaxLength, false);
        return Struct(m, method.CallName + "_Result", method.Signature + " result", method.Id, [member]);
    }

    private static MessageModel Struct(RpcTypeModel m, string name, string schemaName, ulong id, List<MemberModel> members) =>
        new(
            string.Empty,
            name,
            schemaName,
            m.TypeName + "." + name,
            "struct",
            false,
            true,
            EquatableArray<string>.Empty,
            id,
            false,
            members.ToEquatableArray(),
            0,
            members.Any(x => RunsUserCode(x.Type)),
            true);

    /// <summary>Custom serializers and nested messages may run user code; the rest is Travelers' own.</summary>
    private static bool RunsUserCode(TypeModel type) =>
        type.Kind is WireKind.Custom or WireKind.Message
        || (type.Element is not null && RunsUserCode(type.Element))
        || (type.Key is not null && RunsUserCode(type.Key));

    private static string DeliveryName(int delivery) => delivery switch
    {
        0 => "Unreliable",
        1 => "UnreliableSequenced",
        2 => "ReliableUnordered",
        _ => "ReliableOrdered",
    };

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
