using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;

namespace Travelers.Generators.Parser;

/// <summary>
/// Turns a type with [Rpc] methods into an <see cref="RpcTypeModel"/> and diagnostics (TRV3001-TRV3007, TRV3009).
/// The only place that sees their symbols. The generator calls it once per [Rpc] method, each time for the whole
/// containing type (so every method yields the same model); the analyzers call it once per type. A method with
/// errors is left out of the model; a type-level error leaves no model.
/// </summary>
internal static class RpcParser
{
    /// <summary>The global string limit, quoted by TRV3007.</summary>
    private const string DefaultStringLimit = "64 KB of UTF-8 or 65,536 elements";

    public static RpcParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse(context.TargetSymbol.ContainingType, cancellationToken);

    public static RpcParseResult Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        List<IMethodSymbol> methods = RpcMethodsOf(type);
        bool entity = EntityParser.DerivesFromNetEntity(type);
        bool service = DerivesFrom(type, KnownTypes.NetService);
        string? outside = !entity && !service ? "does not derive from Travelers.NetEntity or Travelers.NetService"
            : type.TypeKind != TypeKind.Class ? "is not a class"
            : Generic(type) ? "is generic or nested in a generic type (an RPC needs one stable id)"
            : null;
        if (outside is not null)
        {
            foreach (IMethodSymbol method in methods)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcOutsideEntityOrService, method.Locations.FirstOrDefault(), method.Name, type.Name, outside));
            }

            return new RpcParseResult(null, diagnostics.ToEquatableArray());
        }

        bool fromSource = type.DeclaringSyntaxReferences.Length > 0;
        Location? typeLocation = type.Locations.FirstOrDefault();
        var containing = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (fromSource && !EntityParser.IsPartial(outer, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcTypeNotPartial, typeLocation, type.Name, outer.Name));
            }

            containing.Insert(0, "partial " + MessageParser.KeywordOf(outer) + " " + Identifiers.Escape(outer.Name));
        }

        if (fromSource && !EntityParser.IsPartial(type, cancellationToken))
        {
            diagnostics.Insert(0, DiagnosticInfo.Create(DiagnosticDescriptors.RpcTypeNotPartial, typeLocation, type.Name, type.Name));
        }

        string fullName = TypeClassifier.FullNameOf(type);
        var models = new List<RpcMethodModel>();
        var names = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (IMethodSymbol method in methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int before = diagnostics.Count;
            RpcMethodModel? model = ParseMethod(method, fullName, service, diagnostics, cancellationToken);
            bool failed = diagnostics.Skip(before).Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
            if (model is not null && !failed)
            {
                // Overloads get numbered call structs; the id tells them apart on the wire.
                names.TryGetValue(method.Name, out int seen);
                names[method.Name] = seen + 1;
                models.Add(seen == 0 ? model : model with { CallName = model.CallName + "_" + seen.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        if (diagnostics.Any(d => d.Descriptor == DiagnosticDescriptors.RpcTypeNotPartial))
        {
            return new RpcParseResult(null, diagnostics.ToEquatableArray());
        }

        // A base type's proxy exists in metadata, or (in this compilation) is about to be generated for its [Rpc] methods.
        var hidden = new List<string>();
        string[] proxies = ["Server", "Owner", "Observers"];
        for (int target = 0; target < proxies.Length; target++)
        {
            for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.GetMembers(proxies[target]).Length > 0 || RpcMethodsOf(t).Any(m => TargetOf(m) == target))
                {
                    hidden.Add(proxies[target]);
                    break;
                }
            }
        }

        var result = new RpcTypeModel(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty,
            type.Name,
            fullName,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            MessageParser.KeywordOf(type),
            containing.ToEquatableArray(),
            service,
            MessageParser.IsRegistrable(type),
            hidden.ToEquatableArray(),
            models.ToEquatableArray());
        return new RpcParseResult(result, diagnostics.ToEquatableArray());
    }

    /// <summary>The methods of <paramref name="type"/> marked [Rpc].</summary>
    public static List<IMethodSymbol> RpcMethodsOf(INamedTypeSymbol type) =>
        type.GetMembers().OfType<IMethodSymbol>().Where(m => TypeClassifier.HasAttribute(m, KnownTypes.RpcAttribute)).ToList();

    private static RpcMethodModel? ParseMethod(IMethodSymbol method, string typeFullName, bool service, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        Location? location = method.Locations.FirstOrDefault();
        AttributeData attribute = method.GetAttributes().First(a => a.AttributeClass?.ToDisplayString() == KnownTypes.RpcAttribute);
        int target = TargetOf(method);
        int delivery = 3;
        int channel = 0;
        int maxPerSecond = 0;
        bool requireOwnership = true;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Delivery" when named.Value.Value is { } d:
                    delivery = System.Convert.ToInt32(d, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "Channel" when named.Value.Value is byte c:
                    channel = c;
                    break;
                case "MaxPerSecond" when named.Value.Value is int m:
                    maxPerSecond = m;
                    break;
                case "RequireOwnership" when named.Value.Value is bool r:
                    requireOwnership = r;
                    break;
            }
        }

        string name = method.Name;
        if (target is < 0 or > 2)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcInvalidSettings, location, name, "its target is not Server, Owner or Observers"));
        }
        else if (service && target == 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcInvalidSettings, location, name, "a service has no owner: use RpcTarget.Observers to reach every client, or move the method to an entity"));
        }

        if (maxPerSecond < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcInvalidSettings, location, name, $"MaxPerSecond is {maxPerSecond}; use 0 for no limit or a positive rate"));
        }

        if (delivery is < 0 or > 3)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcInvalidSettings, location, name, "its Delivery is not a delivery mode"));
        }

        if (method.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnsupportedSignature, location, name, "it is static; an RPC runs on the instance it is called on"));
        }

        if (method.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnsupportedSignature, location, name, "it is generic; an RPC needs one stable id and schema"));
        }

        // Return type.
        int returns;
        TypeModel? result = null;
        string returnName = method.ReturnType.ToDisplayString(TypeClassifier.TypeNameFormat);
        if (method.ReturnsVoid)
        {
            returns = 0;
        }
        else if (method.ReturnType.OriginalDefinition.ToDisplayString() == KnownTypes.ValueTask)
        {
            returns = 1;
        }
        else if (method.ReturnType is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.ToDisplayString() == KnownTypes.ValueTaskOfT)
        {
            returns = 2;
            ITypeSymbol valueType = named.TypeArguments[0];
            result = TypeClassifier.Classify(valueType, null, out string? reason);
            if (result is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnsupportedSignature, location, name, $"its result type '{valueType.ToDisplayString()}' cannot be serialized ({reason ?? "unsupported"})"));
            }
        }
        else
        {
            returns = -1;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnsupportedSignature, location, name, $"it returns '{method.ReturnType.ToDisplayString()}'; an RPC returns void (fire and forget), ValueTask or ValueTask<T>"));
        }

        if (returns > 0 && target is 1 or 2)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcReturnsToNobody, location, target == 1 ? "Owner" : "Observers", name, method.ReturnType.ToDisplayString()));
        }

        // Parameters.
        var parameters = new List<RpcParameterModel>();
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            Location? at = parameter.Locations.FirstOrDefault() ?? location;
            string parameterName = Identifiers.Escape(parameter.Name);
            string typeName = parameter.Type.ToDisplayString(TypeClassifier.TypeNameFormat);
            if (parameter.RefKind != RefKind.None)
            {
                string modifier = parameter.RefKind switch { RefKind.Ref => "ref", RefKind.Out => "out", _ => "in" };
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcByReference, at, parameter.Name, name, modifier));
                continue;
            }

            string metadata = parameter.Type.ToDisplayString();
            if (metadata == KnownTypes.RpcContext)
            {
                bool last = i == method.Parameters.Length - 1
                    || (i == method.Parameters.Length - 2 && method.Parameters[i + 1].Type.ToDisplayString() == KnownTypes.CancellationToken);
                if (!last)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcContextNotLast, at, parameter.Name, name, "the RpcContext is the last parameter, or the last but a CancellationToken"));
                }

                parameters.Add(new RpcParameterModel(parameterName, RpcParameterKind.Context, typeName, null, null));
                continue;
            }

            if (metadata == KnownTypes.CancellationToken)
            {
                if (i != method.Parameters.Length - 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcContextNotLast, at, parameter.Name, name, "the CancellationToken is the last parameter"));
                }

                parameters.Add(new RpcParameterModel(parameterName, RpcParameterKind.Cancellation, typeName, null, null));
                continue;
            }

            TypeModel? model = TypeClassifier.Classify(parameter.Type, parameter, out string? why);
            if (model is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnsupportedSignature, at, name, $"parameter '{parameter.Name}' has type '{parameter.Type.ToDisplayString()}', which Travelers cannot serialize ({why ?? "unsupported"})"));
                continue;
            }

            int maxLength = MaxLengthOf(parameter);
            if (target == 0 && maxLength == 0 && IsUnbounded(model is { Kind: WireKind.Nullable, Element: { } inner } ? inner.Kind : model.Kind))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RpcUnboundedArgument, at, parameter.Name, name, DefaultStringLimit));
            }

            bool varInt = TypeClassifier.HasAttribute(parameter, KnownTypes.VarIntAttribute) && TypeClassifier.IsVarIntCapable(model);
            // The constant's value, not its source text: the generated file has none of the user's usings.
            string? defaultText = parameter.HasExplicitDefaultValue ? DefaultLiteral(parameter.Type, parameter.ExplicitDefaultValue) : null;
            parameters.Add(new RpcParameterModel(parameterName, RpcParameterKind.Argument, typeName, defaultText, new MemberModel(parameterName, model, true, -1, false, maxLength, varInt), parameter.IsParams));
        }

        if (returns < 0)
        {
            return null;
        }

        string signature = typeFullName + "." + name + "(" + string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString())) + ")";
        return new RpcMethodModel(
            name,
            "__Rpc_" + name,
            signature,
            StableHash.Compute(signature),
            target,
            delivery,
            channel,
            maxPerSecond,
            requireOwnership,
            returns,
            result,
            MaxLengthOf(method.GetReturnTypeAttributes()),
            parameters.ToEquatableArray());
    }

    /// <summary>A parameter's default value as C# that means the same in any file: a literal, or a cast of one to the enum.</summary>
    internal static string DefaultLiteral(ITypeSymbol type, object? value)
    {
        if (value is null)
        {
            return "default";
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        string literal = value switch
        {
            string text => SymbolDisplay.FormatLiteral(text, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            bool b => b ? "true" : "false",
            float f => FloatText.Literal(f),
            double d => FloatText.Literal(d),
            decimal m => m.ToString(System.Globalization.CultureInfo.InvariantCulture) + "m",
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L",
            ulong u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "UL",
            uint u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "U",
            System.IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => "default",
        };
        return type.TypeKind == TypeKind.Enum ? "(" + type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")(" + literal + ")" : literal;
    }

    private static int TargetOf(IMethodSymbol method) =>
        method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.RpcAttribute)?.ConstructorArguments.FirstOrDefault().Value is { } t
            ? System.Convert.ToInt32(t, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    private static bool IsUnbounded(WireKind kind) => kind is WireKind.String or WireKind.ByteArray or WireKind.ByteMemory or WireKind.Array or WireKind.List or WireKind.HashSet or WireKind.Dictionary;

    private static int MaxLengthOf(IParameterSymbol parameter) => MaxLengthOf(parameter.GetAttributes());

    private static int MaxLengthOf(System.Collections.Immutable.ImmutableArray<AttributeData> attributes)
    {
        AttributeData? attribute = attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.MaxLengthAttribute);
        return attribute?.ConstructorArguments.FirstOrDefault().Value is int length && length > 0 ? length : 0;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == metadataName)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Generic(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                return true;
            }
        }

        return false;
    }
}
