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
/// Writes serializers for [NetMessage] types. The pipeline only wires steps: parse each attributed type
/// into an equatable model (the only step that sees symbols), emit one file per model and one registration
/// file for all of them. A type the parser finds errors in is skipped; the errors themselves (TRV1xxx) are
/// reported by Travelers.Analyzers' CannotGenerateAnalyzer from the same parser, on real source locations:
/// as the Roslyn team advises, a generator generates and an analyzer diagnoses.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetMessageGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the parse step (for caching tests).</summary>
    public const string ParseStep = "Travelers.NetMessage.Parse";

    /// <summary>Tracking name of the model step.</summary>
    public const string ModelStep = "Travelers.NetMessage.Model";

    /// <summary>Tracking name of the collected models.</summary>
    public const string RegistryStep = "Travelers.NetMessage.Registry";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.NetMessageAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                MessageParser.Parse)
            .WithTrackingName(ParseStep);

        IncrementalValuesProvider<MessageModel> models = results
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(ModelStep);

        IncrementalValueProvider<ImmutableArray<MessageModel>> all = models.Collect().WithTrackingName(RegistryStep);

        // One output per model, from the collected models so that names differing by case only get distinct hint names.
        IncrementalValuesProvider<MessageModel> named = all.SelectMany(static (list, _) =>
            HintNames.Disambiguate(list, static m => m.FullName, static (m, suffix) => m with { HintSuffix = suffix }).ToImmutableArray());

        context.RegisterSourceOutput(named, static (spc, model) => spc.AddSource(model.HintName, MessageEmitter.Emit(model)));
        context.RegisterSourceOutput(all, static (spc, list) =>
        {
            if (!list.IsEmpty)
            {
                spc.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(list));
            }
        });
    }
}
