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
/// TRV2003: lets deserialization set the member, so the generator sends it: <c>{ get; }</c> becomes
/// <c>{ get; init; }</c>, and a readonly field loses <c>readonly</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeMemberInitCodeFix))]
[Shared]
public sealed class MakeMemberInitCodeFix : CodeFixProvider
{
    /// <summary>One key for every TRV2003 fix, so Fix All groups them.</summary>
    public const string EquivalenceKey = "Travelers.MakeMemberInit";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MemberNotSent);

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
            SyntaxNode node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent!;
            if (node is PropertyDeclarationSyntax property && property.AccessorList is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Make it 'init'", ct => AddInitAsync(context.Document, property, ct), EquivalenceKey),
                    diagnostic);
            }
            else if (node is VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } declarator
                && !await InReadOnlyStructAsync(context.Document, declarator, context.CancellationToken).ConfigureAwait(false))
            {
                // In a readonly struct every field must stay readonly; 'init' needs a property, so no fix.
                context.RegisterCodeFix(
                    CodeAction.Create("Remove 'readonly'", ct => RemoveReadOnlyAsync(context.Document, field, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> AddInitAsync(Document document, PropertyDeclarationSyntax property, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        AccessorListSyntax accessors = property.AccessorList!;
        AccessorDeclarationSyntax getter = accessors.Accessors[0];
        AccessorDeclarationSyntax init = SyntaxFactory.AccessorDeclaration(SyntaxKind.InitAccessorDeclaration)
            .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken))
            .WithLeadingTrivia(SyntaxFactory.Space);

        // The getter's trailing trivia (the space before '}') moves after 'init;' so '{ get; }' reads '{ get; init; }'.
        AccessorListSyntax updated = accessors.WithAccessors(SyntaxFactory.List(new[]
        {
            getter.WithoutTrailingTrivia(),
            init.WithTrailingTrivia(getter.GetTrailingTrivia()),
        }));
        return document.WithSyntaxRoot(root.ReplaceNode(accessors, updated));
    }

    private static async Task<Document> RemoveReadOnlyAsync(Document document, FieldDeclarationSyntax field, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SyntaxToken readOnly = field.Modifiers.First(m => m.IsKind(SyntaxKind.ReadOnlyKeyword));
        int index = field.Modifiers.IndexOf(readOnly);
        SyntaxTokenList modifiers = field.Modifiers.RemoveAt(index);

        // A leading 'readonly' carries the line's indentation; hand it to whatever now comes first.
        FieldDeclarationSyntax updated = index == 0 && modifiers.Count > 0
            ? field.WithModifiers(modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia(readOnly.LeadingTrivia)))
            : index == 0
                ? field.WithModifiers(modifiers).WithDeclaration(field.Declaration.WithLeadingTrivia(readOnly.LeadingTrivia))
                : field.WithModifiers(modifiers);
        return document.WithSyntaxRoot(root.ReplaceNode(field, updated));
    }

    /// <summary>Asks the symbol, as 'readonly' may sit on another part of a partial struct.</summary>
    private static async Task<bool> InReadOnlyStructAsync(Document document, VariableDeclaratorSyntax declarator, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model?.GetDeclaredSymbol(declarator, cancellationToken) is IFieldSymbol { ContainingType.IsReadOnly: true };
    }
}
