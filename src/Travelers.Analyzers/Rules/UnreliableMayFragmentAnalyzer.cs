using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV5002: <c>Send</c> or <c>SendToAll</c> with <c>Delivery.Unreliable</c> or <c>UnreliableSequenced</c> of a
/// message whose worst-case size is more than a datagram holds at the default MTU: it would travel in fragments,
/// and one lost fragment loses it. The worst case follows the serializer's rules: fixed sizes, varint prefixes,
/// presence bytes, and <c>[MaxLength]</c> (or the default limit of 65,536 where there is none) for strings and
/// collections. A member with a custom serializer has no known bound, so a message holding one is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnreliableMayFragmentAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// What one message may take and still travel in one datagram at the default MTU of 1,200 bytes: less the
    /// data header (13), the checksum (4), the largest unit header (13) and the record's type index and length
    /// (at most 10).
    /// </summary>
    internal const int DatagramRoom = 1200 - 13 - 4 - 13 - 10;

    private const int MaxDepth = 32;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.UnreliableMayFragment);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("Travelers.Delivery") is not { } delivery)
            {
                return; // the runtime is not referenced
            }

            INamedTypeSymbol?[] senders =
            [
                start.Compilation.GetTypeByMetadataName("Travelers.NetConnection"),
                start.Compilation.GetTypeByMetadataName("Travelers.NetClient"),
                start.Compilation.GetTypeByMetadataName("Travelers.NetServer"),
            ];
            var sizes = new ConcurrentDictionary<ITypeSymbol, long>(SymbolEqualityComparer.Default);
            start.RegisterOperationAction(c => Analyze(c, senders, delivery, sizes), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol?[] senders, INamedTypeSymbol delivery, ConcurrentDictionary<ITypeSymbol, long> sizes)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("Send" or "SendToAll") || method.TypeArguments.Length != 1 || !IsOneOf(method.ContainingType, senders))
        {
            return;
        }

        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is not { Name: "delivery" } parameter
                || !SymbolEqualityComparer.Default.Equals(parameter.Type, delivery)
                || argument.Value.ConstantValue is not { HasValue: true, Value: { } value })
            {
                continue;
            }

            int mode = Convert.ToInt32(value, CultureInfo.InvariantCulture);
            if (mode > 1)
            {
                return; // reliable: fragments are resent, nothing is lost
            }

            ITypeSymbol message = method.TypeArguments[0];
            long worst = sizes.GetOrAdd(message, t => WorstCase(t, context.Compilation, 0, context));
            if (worst > DatagramRoom)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.UnreliableMayFragment,
                    argument.Syntax.GetLocation(),
                    message.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                    worst >= int.MaxValue ? "more than 2 GB" : worst.ToString("N0", CultureInfo.InvariantCulture),
                    DatagramRoom.ToString("N0", CultureInfo.InvariantCulture),
                    mode == 0 ? "Unreliable" : "UnreliableSequenced"));
            }

            return;
        }
    }

    private static bool IsOneOf(INamedTypeSymbol type, INamedTypeSymbol?[] senders)
    {
        foreach (INamedTypeSymbol? sender in senders)
        {
            if (SymbolEqualityComparer.Default.Equals(type, sender))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The most bytes a value of <paramref name="type"/> can take as a message, or -1 when unknown (a custom serializer).</summary>
    private static long WorstCase(ITypeSymbol type, Compilation compilation, int depth, OperationAnalysisContext context)
    {
        if (depth > MaxDepth || type is not INamedTypeSymbol named || MessageParser.Parse(named, compilation, context.CancellationToken) is not { Model: { } model })
        {
            return -1;
        }

        long total = model.VersionTolerant ? 5 : 0;
        foreach (MemberModel member in model.Members)
        {
            long size = WorstCase(member.Type, member.MaxLength, member.VarInt, Find(named, member.Name), compilation, depth, context);
            if (size < 0)
            {
                return -1;
            }

            total = Math.Min(int.MaxValue, total + size);
        }

        return total;
    }

    private static long WorstCase(TypeModel type, int maxLength, bool varInt, ITypeSymbol? symbol, Compilation compilation, int depth, OperationAnalysisContext context)
    {
        long presence = type.IsReferenceType ? 1 : 0;
        long count = maxLength > 0 ? maxLength : MissingMaxLengthAnalyzer.DefaultLimit;
        long size = type.Kind switch
        {
            WireKind.String => 5 + (count * 3),
            WireKind.ByteArray or WireKind.ByteMemory => 5 + count,
            WireKind.Array or WireKind.List or WireKind.HashSet => Sum(5, count, WorstCase(type.Element!, 0, false, ElementOf(symbol), compilation, depth, context)),
            WireKind.Dictionary => Sum(5, count, Add(WorstCase(type.Key!, 0, false, null, compilation, depth, context), WorstCase(type.Element!, 0, false, null, compilation, depth, context))),
            WireKind.Nullable => Add(1, WorstCase(type.Element!, maxLength, varInt, null, compilation, depth, context)),
            WireKind.Message => symbol is null ? -1 : WorstCase(Underlying(symbol), compilation, depth + 1, context),
            WireKind.Custom => -1,
            WireKind.Boolean => 1,
            _ when varInt => type.FixedSize > 4 ? 10 : 5,
            _ => type.FixedSize > 0 ? type.FixedSize : -1,
        };
        return size < 0 ? -1 : Math.Min(int.MaxValue, size + presence);
    }

    private static long Add(long a, long b) => a < 0 || b < 0 ? -1 : Math.Min(int.MaxValue, a + b);

    private static long Sum(long prefix, long count, long each) => each < 0 ? -1 : Math.Min(int.MaxValue, prefix + (count * each));

    private static ITypeSymbol Underlying(ITypeSymbol symbol) =>
        symbol is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : symbol;

    private static ITypeSymbol? ElementOf(ITypeSymbol? symbol) => symbol switch
    {
        IArrayTypeSymbol array => array.ElementType,
        INamedTypeSymbol { TypeArguments.Length: 1 } generic => generic.TypeArguments[0],
        _ => null,
    };

    private static ITypeSymbol? Find(INamedTypeSymbol type, string name)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers(name))
            {
                if (member is IFieldSymbol field)
                {
                    return field.Type;
                }

                if (member is IPropertySymbol property)
                {
                    return property.Type;
                }
            }
        }

        return null;
    }
}
