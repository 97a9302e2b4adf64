using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
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
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Travelers.CodeFixes;

/// <summary>TRV2004: adds <c>[MaxLength(65536)]</c>, the limit that applies today, so the user can lower it from there.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMaxLengthCodeFix))]
[Shared]
public sealed class AddMaxLengthCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "Travelers.AddMaxLength";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.MissingMaxLength);

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
            SyntaxNode? target = Target(root.FindToken(diagnostic.Location.SourceSpan.Start).Parent);
            if (target is null)
            {
                continue;
            }

            string title = "Add [MaxLength(" + MissingMaxLengthAnalyzer.DefaultLimit.ToString(CultureInfo.InvariantCulture) + ")]";
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => AddAsync(context.Document, target, ct), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The declaration the attribute goes on: the field (all its variables share it), the property, or the record parameter.</summary>
    private static SyntaxNode? Target(SyntaxNode? node) => node switch
    {
        VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } => field,
        PropertyDeclarationSyntax property => property,
        ParameterSyntax parameter => parameter,
        _ => null,
    };

    private static async Task<Document> AddAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is not CompilationUnitSyntax unit || model is null)
        {
            return document;
        }

        // Bind the short name where it will be written: it may already resolve (using, global using, inside
        // namespace Travelers), resolve to nothing (add the using), or clash with another MaxLengthAttribute
        // such as DataAnnotations' (qualify it instead).
        ISymbol? bound = model.GetSpeculativeSymbolInfo(target.SpanStart, IdentifierName("MaxLengthAttribute"), SpeculativeBindingOption.BindAsTypeOrNamespace).Symbol;
        bool resolves = bound is INamedTypeSymbol named && named.ToDisplayString() == KnownTypes.MaxLengthAttribute;
        bool addUsing = !resolves && model.GetSpeculativeSymbolInfo(target.SpanStart, IdentifierName("MaxLengthAttribute"), SpeculativeBindingOption.BindAsTypeOrNamespace) is { Symbol: null, CandidateSymbols.Length: 0 };
        NameSyntax name = resolves || addUsing ? IdentifierName("MaxLength") : ParseName("global::Travelers.MaxLength");

        AttributeSyntax attribute = Attribute(name, AttributeArgumentList(SingletonSeparatedList(AttributeArgument(
            LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(MissingMaxLengthAnalyzer.DefaultLimit))))));
        SyntaxTrivia endOfLine = EndOfLineOf(target, unit);

        SyntaxNode updated = target switch
        {
            ParameterSyntax parameter => parameter.WithoutLeadingTrivia().WithAttributeLists(parameter.AttributeLists.Insert(
                0, AttributeList(SingletonSeparatedList(attribute)).WithLeadingTrivia(parameter.GetLeadingTrivia()).WithTrailingTrivia(Space))),
            MemberDeclarationSyntax member => AddToMember(member, attribute, endOfLine),
            _ => target,
        };

        unit = unit.ReplaceNode(target, updated);
        if (addUsing)
        {
            UsingDirectiveSyntax directive = UsingDirective(IdentifierName("Travelers")).WithTrailingTrivia(endOfLine);
            if (unit.Usings.Count == 0)
            {
                // Keep a file header above the new using, and a blank line between it and the code.
                SyntaxToken first = unit.GetFirstToken(includeZeroWidth: true);
                directive = directive.WithLeadingTrivia(first.LeadingTrivia).WithTrailingTrivia(endOfLine, endOfLine);
                unit = unit.ReplaceToken(first, first.WithLeadingTrivia(default(SyntaxTriviaList)));
            }

            unit = unit.AddUsings(directive);
        }

        return document.WithSyntaxRoot(unit);
    }

    private static MemberDeclarationSyntax AddToMember(MemberDeclarationSyntax member, AttributeSyntax attribute, SyntaxTrivia endOfLine)
    {
        SyntaxTriviaList leading = member.GetLeadingTrivia();
        var indentation = TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
        AttributeListSyntax list = AttributeList(SingletonSeparatedList(attribute)).WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine);
        return member.WithoutLeadingTrivia().WithLeadingTrivia(indentation).WithAttributeLists(member.AttributeLists.Insert(0, list));
    }

    /// <summary>The file's own line ending: the nearest one to the target, else the first in the file.</summary>
    private static SyntaxTrivia EndOfLineOf(SyntaxNode node, SyntaxNode root)
    {
        SyntaxTrivia found = node.GetFirstToken().GetPreviousToken().TrailingTrivia.Concat(node.GetTrailingTrivia()).Concat(node.GetLeadingTrivia())
            .FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (!found.IsKind(SyntaxKind.EndOfLineTrivia))
        {
            found = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        }

        return found.IsKind(SyntaxKind.EndOfLineTrivia) ? found : CarriageReturnLineFeed;
    }
}
