using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Travelers.Generators.Helpers;

/// <summary>
/// A diagnostic with its location reduced to plain values, so it can travel through the pipeline
/// without holding a syntax tree (a <see cref="Location"/> would pin the whole compilation).
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, string FilePath, TextSpan Span, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        location ??= Location.None;
        return new DiagnosticInfo(
            descriptor,
            location.SourceTree?.FilePath ?? string.Empty,
            location.SourceSpan,
            arguments.ToEquatableArray());
    }

    /// <summary>The diagnostic on a source location of <paramref name="compilation"/> (so fixes and #pragma reach it).</summary>
    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        SyntaxTree? tree = null;
        foreach (SyntaxTree candidate in compilation.SyntaxTrees)
        {
            if (candidate.FilePath == FilePath)
            {
                tree = candidate;
                break;
            }
        }

        Location location = tree is null ? Location.None : Location.Create(tree, Span);
        return Diagnostic.Create(Descriptor, location, Arguments.AsSpan().ToArray());
    }
}
