using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Travelers.Analyzers;

namespace Travelers.CodeFixes;

/// <summary>
/// TRV4005, where the fix is obvious: a readonly field loses <c>readonly</c>, and an auto-property with a setter
/// becomes <c>partial</c> (which makes it the declaration the generator implements). Static members, get-only
/// properties and properties with bodies or initializers need a decision, so they get no fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeReplicableCodeFix))]
[Shared]
public sealed class MakeReplicableCodeFix : CodeFixProvider
{
    /// <summary>One key for every TRV4005 fix, so Fix All groups them.</summary>
    public const string EquivalenceKey = "Travelers.MakeReplicable";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MemberNotReplicable);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode? node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            if (node is VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } && IsInstanceReadOnly(field))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Remove 'readonly'", ct => ReplaceAsync(context.Document, field, RemoveReadOnly(field), ct), EquivalenceKey),
                    diagnostic);
            }
            else if (node is PropertyDeclarationSyntax property && IsSettableAutoProperty(property))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Make it 'partial'", ct => ReplaceAsync(context.Document, property, AddPartial(property), ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static bool IsInstanceReadOnly(FieldDeclarationSyntax field) =>
        field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword) && !field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword);

    private static bool IsSettableAutoProperty(PropertyDeclarationSyntax property) =>
        !property.Modifiers.Any(SyntaxKind.PartialKeyword)
        && !property.Modifiers.Any(SyntaxKind.StaticKeyword)
        && !property.Modifiers.Any(SyntaxKind.AbstractKeyword)
        && property.Initializer is null
        && property.ExpressionBody is null
        && property.AccessorList is { } accessors
        && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null)
        && accessors.Accessors.Any(a => a.IsKind(SyntaxKind.GetAccessorDeclaration))
        && accessors.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration) || a.IsKind(SyntaxKind.InitAccessorDeclaration));

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode node, SyntaxNode replacement, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        return document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }

    private static FieldDeclarationSyntax RemoveReadOnly(FieldDeclarationSyntax field)
    {
        SyntaxToken readOnly = field.Modifiers.First(m => m.IsKind(SyntaxKind.ReadOnlyKeyword));
        int index = field.Modifiers.IndexOf(readOnly);
        SyntaxTokenList modifiers = field.Modifiers.RemoveAt(index);

        // A leading 'readonly' carries the line's indentation (and any attributes before it stay where they are).
        return index == 0 && modifiers.Count > 0
            ? field.WithModifiers(modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia(readOnly.LeadingTrivia)))
            : index == 0
                ? field.WithModifiers(modifiers).WithDeclaration(field.Declaration.WithLeadingTrivia(readOnly.LeadingTrivia))
                : field.WithModifiers(modifiers);
    }

    /// <summary>`partial` goes last among the modifiers, right before the type, as C# requires.</summary>
    private static PropertyDeclarationSyntax AddPartial(PropertyDeclarationSyntax property)
    {
        if (property.Modifiers.Count > 0)
        {
            return property.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        // No modifier: the type's first token carries the indentation, which 'partial' takes over.
        SyntaxToken first = property.Type.GetFirstToken();
        SyntaxToken partial = SyntaxFactory.Token(first.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return property
            .ReplaceToken(first, first.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(SyntaxFactory.TokenList(partial));
    }
}
