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
/// Writes the replication code of NetEntity types with [Replicated] members. Each attributed member is parsed into
/// the model of its whole containing type (the only step that sees symbols), so the models are collected and
/// de-duplicated by type; then one file per entity type and one registration file for all of them. A type the
/// parser finds errors in gets only throwing implementations of its partial [Replicated] properties (so that the build
/// shows its error, not CS9248); the errors (TRV4001-TRV4008) are reported by Travelers.Analyzers'
/// CannotGenerateEntityAnalyzer from the same parser, on real source locations.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetEntityGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the parse step: one result per [Replicated] member (for caching tests).</summary>
    public const string ParseStep = "Travelers.NetEntity.Parse";

    /// <summary>Tracking name of the models of types that can be generated.</summary>
    public const string ModelStep = "Travelers.NetEntity.Model";

    /// <summary>Tracking name of the collected models, one per type, ordered by full name.</summary>
    public const string CollectStep = "Travelers.NetEntity.Collect";

    /// <summary>Tracking name of the collected stubs of types with errors, one per type.</summary>
    public const string StubStep = "Travelers.NetEntity.Stubs";

    /// <summary>Tracking name of the de-duplicated models, one source output each.</summary>
    public const string EntityStep = "Travelers.NetEntity.Entity";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<EntityParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.ReplicatedAttribute,
                static (node, _) => node is PropertyDeclarationSyntax or VariableDeclaratorSyntax,
                EntityParser.Parse)
            .WithTrackingName(ParseStep);

        IncrementalValuesProvider<EntityModel> models = results
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(ModelStep);

        IncrementalValueProvider<EquatableArray<EntityModel>> distinct = models
            .Collect()
            .Select(static (list, _) => Distinct(list))
            .WithTrackingName(CollectStep);

        IncrementalValuesProvider<EntityModel> entities = distinct
            .SelectMany(static (list, _) => list)
            .WithTrackingName(EntityStep);

        context.RegisterSourceOutput(entities, static (spc, model) => spc.AddSource(model.HintName, EntityEmitter.Emit(model)));

        // Types with errors: their partial properties still get implementations (see EntityStubModel).
        IncrementalValuesProvider<EntityStubModel> stubs = results
            .Where(static r => r.Stub is not null)
            .Select(static (r, _) => r.Stub!)
            .Collect()
            .Select(static (list, _) => DistinctStubs(list))
            .WithTrackingName(StubStep)
            .SelectMany(static (list, _) => list);
        context.RegisterSourceOutput(stubs, static (spc, stub) => spc.AddSource(stub.HintName, EntityEmitter.EmitStub(stub)));
        context.RegisterSourceOutput(distinct, static (spc, list) =>
        {
            if (list.Any(static e => e.IsRegistrable))
            {
                spc.AddSource(EntityRegistryEmitter.HintName, EntityRegistryEmitter.Emit(list));
            }
        });
    }

    /// <summary>
    /// Every member of a type with errors yields the same stub: keep one per type. Equal stubs, not equal full names, are
    /// the same type: a generic P&lt;T&gt; and a P_1 share a full name (and get apart through the hint name's suffix).
    /// </summary>
    private static EquatableArray<EntityStubModel> DistinctStubs(ImmutableArray<EntityStubModel> stubs) =>
        HintNames.Disambiguate(stubs.Distinct(), static m => m.FullName, static (m, suffix) => m with { HintSuffix = suffix }).ToEquatableArray();

    /// <summary>Every member of a type yields the same model: keep one per type, in a stable order.</summary>
    private static EquatableArray<EntityModel> Distinct(ImmutableArray<EntityModel> models)
    {
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        return HintNames.Disambiguate(models.Where(m => seen.Add(m.FullName)), static m => m.FullName, static (m, suffix) => m with { HintSuffix = suffix }).ToEquatableArray();
    }
}
