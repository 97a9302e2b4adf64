using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Emitter;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Generators;

/// <summary>
/// Writes the RPC code of NetEntity and NetService types with [Rpc] methods: proxies, call structs, dispatch and
/// registration. Each attributed method is parsed into the model of its whole containing type (the only step that
/// sees symbols), so the models are collected and de-duplicated by type; then one file per type and one
/// registration file. Methods the parser finds errors in are left out; the errors (TRV3001-TRV3009) are reported by
/// Travelers.Analyzers from the same parser, on real source locations.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RpcGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the parse step: one result per [Rpc] method (for caching tests).</summary>
    public const string ParseStep = "Travelers.Rpc.Parse";

    /// <summary>Tracking name of the de-duplicated models, one source output each.</summary>
    public const string TypeStep = "Travelers.Rpc.Type";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<RpcParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.RpcAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                RpcParser.Parse)
            .WithTrackingName(ParseStep);

        IncrementalValueProvider<EquatableArray<RpcTypeModel>> distinct = results
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .Collect()
            .Select(static (list, _) => Distinct(list));

        IncrementalValuesProvider<RpcTypeModel> types = distinct
            .SelectMany(static (list, _) => list)
            .WithTrackingName(TypeStep);

        context.RegisterSourceOutput(types, static (spc, model) => spc.AddSource(model.HintName, RpcEmitter.Emit(model)));
        context.RegisterSourceOutput(distinct, static (spc, list) =>
        {
            if (list.Any(static t => t.IsRegistrable && t.Methods.Count > 0))
            {
                spc.AddSource(RpcRegistryEmitter.HintName, RpcRegistryEmitter.Emit(list));
            }
        });
    }

    private static EquatableArray<RpcTypeModel> Distinct(ImmutableArray<RpcTypeModel> models)
    {
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        return HintNames.Disambiguate(models.Where(m => seen.Add(m.FullName)), static m => m.FullName, static (m, suffix) => m with { HintSuffix = suffix }).ToEquatableArray();
    }
}
