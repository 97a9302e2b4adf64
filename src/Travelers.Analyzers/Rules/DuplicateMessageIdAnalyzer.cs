using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Travelers.Generators.Helpers;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV2001: two [NetMessage] types of one compilation with the same wire id, explicit or stable, which
/// the receiving peer could not tell apart.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DuplicateMessageIdAnalyzer : DiagnosticAnalyzer
{
    private const string ExplicitReason = "give one of them a different explicit [NetMessage(Id = ...)]";
    private const string StableReason = "their full names hash to the same stable id; give one an explicit [NetMessage(Id = ...)]";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DuplicateMessageId);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Symbol actions run concurrently, so the messages are collected in a thread-safe bag and
            // compared only once every type has been seen.
            var messages = new ConcurrentBag<Message>();
            start.RegisterSymbolAction(c => Collect(c, messages), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(c => Report(c, messages));
        });
    }

    private static void Collect(SymbolAnalysisContext context, ConcurrentBag<Message> messages)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.NetMessageAttribute);
        if (attribute is null || type.Locations.IsDefaultOrEmpty || IsGeneric(type))
        {
            return;
        }

        // The same rule as the generator's MessageParser: a non-zero Id wins, else the stable hash.
        string fullName = TypeClassifier.FullNameOf(type);
        if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "Id").Value.Value is ulong explicitId && explicitId != 0)
        {
            messages.Add(new Message(fullName, type.Locations[0], explicitId, isExplicit: true));
        }
        else
        {
            messages.Add(new Message(fullName, type.Locations[0], StableHash.Compute(fullName), isExplicit: false));
        }
    }

    private static void Report(CompilationAnalysisContext context, ConcurrentBag<Message> messages)
    {
        foreach (IGrouping<ulong, Message> group in messages.GroupBy(m => m.Id))
        {
            // Sorted so that with three or more the "other" message named is the same on every build.
            Message[] colliding = group.OrderBy(m => m.FullName, System.StringComparer.Ordinal).ThenBy(m => m.Location.SourceSpan.Start).ToArray();
            if (colliding.Length < 2)
            {
                continue;
            }

            for (int i = 0; i < colliding.Length; i++)
            {
                Message self = colliding[i];
                Message other = colliding[i == 0 ? 1 : 0];
                string reason = self.IsExplicit || other.IsExplicit ? ExplicitReason : StableReason;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.DuplicateMessageId,
                    self.Location,
                    self.FullName,
                    other.FullName,
                    self.Id.ToString("X16", CultureInfo.InvariantCulture),
                    reason));
            }
        }
    }

    /// <summary>The generator refuses generic messages (TRV1003), so they never get an id on the wire.</summary>
    private static bool IsGeneric(INamedTypeSymbol type)
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

    private sealed class Message
    {
        public Message(string fullName, Location location, ulong id, bool isExplicit)
        {
            FullName = fullName;
            Location = location;
            Id = id;
            IsExplicit = isExplicit;
        }

        public string FullName { get; }

        public Location Location { get; }

        public ulong Id { get; }

        public bool IsExplicit { get; }
    }
}
