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
/// TRV1001 and TRV4002: adds <c>partial</c> to the message's or entity's declaration and to every declaration
/// enclosing it that lacks it, so one fix is enough whichever of the types the diagnostic named.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialCodeFix))]
[Shared]
public sealed class AddPartialCodeFix : CodeFixProvider
{
    /// <summary>One key for every TRV1001 and TRV4002 fix, so Fix All groups them.</summary>
    public const string EquivalenceKey = "Travelers.AddPartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TypeNotPartial, DiagnosticIds.EntityNotPartial, DiagnosticIds.RpcTypeNotPartial);

    /// <inheritdoc/>
    /// <remarks>Not the batch fixer: two types in one containing type would both add 'partial' to it, and
    /// the batch fixer drops one of two overlapping edits. Here every declaration is collected first.</remarks>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        TypeDeclarationSyntax[] messages = diagnostics
            .Select(d => root.FindToken(d.Location.SourceSpan.Start).Parent)
            .OfType<TypeDeclarationSyntax>()
            .ToArray();
        return AddPartial(document, root, messages);
    });

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
            if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is TypeDeclarationSyntax declaration)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Add 'partial'", ct => AddPartialAsync(context.Document, declaration, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> AddPartialAsync(Document document, TypeDeclarationSyntax message, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        return AddPartial(document, root, [message]);
    }

    private static Document AddPartial(Document document, SyntaxNode root, TypeDeclarationSyntax[] messages)
    {
        TypeDeclarationSyntax[] targets = messages
            .SelectMany(m => m.AncestorsAndSelf().OfType<TypeDeclarationSyntax>())
            .Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword))
            .Distinct()
            .ToArray();

        // Nested declarations are rewritten inside their (rewritten) parents: ReplaceNodes hands each callback
        // the node with its descendants already replaced.
        return document.WithSyntaxRoot(root.ReplaceNodes(targets, (_, rewritten) => WithPartial(rewritten)));
    }

    /// <summary>`partial` goes last among the modifiers, right before the keyword; the first token keeps its trivia.</summary>
    private static TypeDeclarationSyntax WithPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Count > 0)
        {
            return declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        SyntaxToken keyword = declaration.Keyword;
        SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return declaration
            .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(SyntaxFactory.TokenList(partial));
    }
}
