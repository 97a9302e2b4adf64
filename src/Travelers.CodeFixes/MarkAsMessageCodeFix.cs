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
using Travelers.Analyzers.Rules;
using Travelers.Generators.Parser;

namespace Travelers.CodeFixes;

/// <summary>TRV5001: marks the type given as a message <c>[NetMessage]</c> and <c>partial</c>, where it is declared.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkAsMessageCodeFix)), Shared]
public sealed class MarkAsMessageCodeFix : CodeFixProvider
{
    private const string Title = "Mark the type [NetMessage] and partial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NotAMessage);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(NotAMessageAnalyzer.TypeIdProperty, out string? id) || id is null)
            {
                continue;
            }

            Compilation? compilation = await context.Document.Project.GetCompilationAsync(context.CancellationToken).ConfigureAwait(false);
            if (compilation is null
                || DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation) is not INamedTypeSymbol type
                || type.DeclaringSyntaxReferences.IsEmpty)
            {
                continue; // declared in metadata: the user cannot change it from here
            }

            Solution solution = context.Document.Project.Solution;
            DocumentId[] documents = type.DeclaringSyntaxReferences
                .Select(r => solution.GetDocumentId(r.SyntaxTree))
                .Where(d => d is not null)
                .Select(d => d!)
                .ToArray();
            if (documents.Length != type.DeclaringSyntaxReferences.Length)
            {
                continue; // part of it is generated or outside the solution
            }

            // One equivalence key for every type, so Fix All applies this fix to each diagnostic.
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => MarkAsync(solution, type, ct), nameof(MarkAsMessageCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Solution> MarkAsync(Solution solution, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        bool attributeAdded = false;
        foreach (IGrouping<SyntaxTree, SyntaxReference> file in type.DeclaringSyntaxReferences.GroupBy(r => r.SyntaxTree))
        {
            Document document = solution.GetDocument(file.Key)!;
            SyntaxNode root = await file.Key.GetRootAsync(cancellationToken).ConfigureAwait(false);
            TypeDeclarationSyntax[] declarations = file
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .ToArray();
            bool addsAttribute = !attributeAdded && declarations.Length > 0;

            // The generator also needs every enclosing type partial (TRV1001), or the message stays unimplemented.
            TypeDeclarationSyntax[] targets = declarations
                .Concat(declarations.SelectMany(d => d.Ancestors().OfType<TypeDeclarationSyntax>()))
                .Distinct()
                .ToArray();
            root = root.ReplaceNodes(targets, (original, rewritten) =>
            {
                TypeDeclarationSyntax result = rewritten;

                // One declaration carries the attribute: it does not allow being repeated on other parts.
                if (!attributeAdded && declarations.Contains(original))
                {
                    attributeAdded = true;
                    result = AddAttribute(result);
                }

                return result.Modifiers.Any(SyntaxKind.PartialKeyword) ? result : AddPartial(result);
            });
            if (addsAttribute && root is CompilationUnitSyntax unit
                && !await AttributeResolvesAsync(document, declarations[0].SpanStart, cancellationToken).ConfigureAwait(false))
            {
                root = AddUsing(unit);
            }

            solution = solution.WithDocumentSyntaxRoot(document.Id, root);
        }

        return solution;
    }

    private static TypeDeclarationSyntax AddAttribute(TypeDeclarationSyntax declaration)
    {
        // The attribute takes the declaration's leading trivia (indentation, doc comment) and the
        // declaration starts on a new line with the same indentation.
        SyntaxTriviaList leading = declaration.GetLeadingTrivia();
        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
        AttributeListSyntax attribute = SyntaxFactory.AttributeList(
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("NetMessage"))))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(SyntaxFactory.EndOfLine(NewLine(declaration)));
        return declaration.WithoutLeadingTrivia()
            .WithLeadingTrivia(indentation)
            .WithAttributeLists(declaration.AttributeLists.Count == 0
                ? SyntaxFactory.SingletonList(attribute)
                : declaration.AttributeLists.Insert(0, attribute));
    }

    /// <summary><c>partial</c> goes right before the keyword (class, struct, record), where C# requires it.</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        SyntaxToken keyword = declaration.Keyword;
        SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return declaration.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(declaration.Modifiers.Add(partial));
    }

    /// <summary>
    /// Whether <c>NetMessage</c> already names the attribute at the declaration: a using, a global using
    /// in another file, or a declaration inside namespace Travelers.
    /// </summary>
    private static async Task<bool> AttributeResolvesAsync(Document document, int position, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is not null && model.LookupNamespacesAndTypes(position, name: "NetMessageAttribute")
            .Any(s => s.ToDisplayString() == KnownTypes.NetMessageAttribute);
    }

    private static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit)
    {
        SyntaxTrivia newLine = SyntaxFactory.EndOfLine(NewLine(unit));
        UsingDirectiveSyntax directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("Travelers"))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(newLine);
        if (unit.Usings.Count > 0)
        {
            // Keep ordinal order among plain usings, as most style rules want.
            int at = 0;
            while (at < unit.Usings.Count && IsPlainUsingBefore(unit.Usings[at]))
            {
                at++;
            }

            return unit.WithUsings(unit.Usings.Insert(at, directive));
        }

        // No usings yet: the directive goes first, a blank line away from the code, keeping the file's leading comments above it.
        SyntaxTriviaList leading = unit.GetLeadingTrivia();
        CompilationUnitSyntax withoutTrivia = unit.WithoutLeadingTrivia();
        return withoutTrivia
            .WithUsings(SyntaxFactory.SingletonList(directive.WithLeadingTrivia(leading).WithTrailingTrivia(newLine, newLine)));
    }

    private static bool IsPlainUsingBefore(UsingDirectiveSyntax directive) =>
        directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.GlobalKeyword.IsKind(SyntaxKind.None)
            && string.CompareOrdinal(directive.Name?.ToString(), "Travelers") < 0;

    private static string NewLine(SyntaxNode node) => node.SyntaxTree.ToString().Contains("\r\n") ? "\r\n" : "\n";
}
