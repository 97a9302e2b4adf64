using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Generators.Emitter;
using Travelers.Generators.Helpers;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Generators;

/// <summary>
/// Writes serializers for [NetMessage] types. The pipeline only wires steps: parse each attributed type
/// into an equatable model (the only step that sees symbols), emit one file per model, one registration
/// file for all of them, and report diagnostics apart from the source so moving text around does not
/// regenerate code.
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

    /// <summary>Tracking name of the diagnostics step.</summary>
    public const string DiagnosticsStep = "Travelers.NetMessage.Diagnostics";

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

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => d.Count > 0)
            .WithTrackingName(DiagnosticsStep);

        IncrementalValueProvider<ImmutableArray<MessageModel>> all = models.Collect().WithTrackingName(RegistryStep);

        context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(model.HintName, MessageEmitter.Emit(model)));
        context.RegisterSourceOutput(all, static (spc, list) =>
        {
            if (!list.IsEmpty)
            {
                spc.AddSource(RegistryEmitter.HintName, RegistryEmitter.Emit(list));
            }
        });
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (DiagnosticInfo diagnostic in list)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
    }
}
