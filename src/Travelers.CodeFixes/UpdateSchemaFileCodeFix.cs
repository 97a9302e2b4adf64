using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;
using Travelers.Analyzers;
using Travelers.Analyzers.Rules;

namespace Travelers.CodeFixes;

/// <summary>
/// TRV2006 (and, as an explicit choice, TRV2005): writes the message's schema into Travelers.Schema.txt,
/// replacing its line or adding one where the full names stay sorted.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UpdateSchemaFileCodeFix))]
[Shared]
public sealed class UpdateSchemaFileCodeFix : CodeFixProvider
{
    private const string UpdateKey = "Travelers.UpdateSchemaFile";
    private const string AcceptKey = "Travelers.AcceptBreakingSchemaChange";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds =>
        ImmutableArray.Create(DiagnosticIds.SchemaFileOutOfDate, DiagnosticIds.BreakingSchemaChange);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => FixAll.Instance;

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Project project = context.Document.Project;
        if (SchemaFile(project) is null)
        {
            return Task.CompletedTask;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(SchemaCompatibilityAnalyzer.SchemaProperty, out string? schema) || schema is null ||
                !diagnostic.Properties.TryGetValue(SchemaCompatibilityAnalyzer.FullNameProperty, out string? fullName) || fullName is null)
            {
                continue;
            }

            bool breaking = diagnostic.Id == DiagnosticIds.BreakingSchemaChange;
            string title = breaking
                ? "Accept the breaking change to '" + fullName + "' in " + SchemaCompatibilityAnalyzer.FileName
                : "Update " + SchemaCompatibilityAnalyzer.FileName;
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => ApplyAsync(project.Solution, project.Id, new[] { (fullName, schema) }, ct), breaking ? AcceptKey : UpdateKey),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static TextDocument? SchemaFile(Project project) =>
        project.AdditionalDocuments.FirstOrDefault(d => string.Equals(d.Name, SchemaCompatibilityAnalyzer.FileName, StringComparison.OrdinalIgnoreCase));

    private static async Task<Solution> ApplyAsync(Solution solution, ProjectId projectId, IEnumerable<(string FullName, string Schema)> updates, CancellationToken cancellationToken)
    {
        Project? project = solution.GetProject(projectId);
        TextDocument? file = project is null ? null : SchemaFile(project);
        if (file is null)
        {
            return solution;
        }

        SourceText text = await file.GetTextAsync(cancellationToken).ConfigureAwait(false);
        string content = text.ToString();
        string newLine = content.Contains("\r\n") ? "\r\n" : "\n";
        bool endsWithNewLine = content.Length == 0 || content.EndsWith("\n", StringComparison.Ordinal);
        var lines = text.Lines.Select(l => l.ToString()).ToList();
        if (lines.Count > 0 && endsWithNewLine && lines[lines.Count - 1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1); // the empty "line" after the final line break
        }

        foreach ((string fullName, string schema) in updates)
        {
            int existing = lines.FindIndex(l => SchemaCompatibilityAnalyzer.KeyOf(l) == fullName);
            if (existing >= 0)
            {
                lines[existing] = schema;
                continue;
            }

            // Before the first listed message that sorts after it, so a sorted file stays sorted.
            int at = lines.FindIndex(l => SchemaCompatibilityAnalyzer.KeyOf(l) is string key && string.CompareOrdinal(key, fullName) > 0);
            lines.Insert(at < 0 ? lines.Count : at, schema);
        }

        string updated = string.Join(newLine, lines) + (endsWithNewLine ? newLine : string.Empty);
        return solution.WithAdditionalDocumentText(file.Id, SourceText.From(updated, text.Encoding, text.ChecksumAlgorithm));
    }

    /// <summary>Fix All: one edit of each project's file with every diagnostic in scope, since the batch fixer only merges source documents.</summary>
    private sealed class FixAll : FixAllProvider
    {
        public static readonly FixAll Instance = new();

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            string id = fixAllContext.CodeActionEquivalenceKey == AcceptKey ? DiagnosticIds.BreakingSchemaChange : DiagnosticIds.SchemaFileOutOfDate;
            string title = fixAllContext.CodeActionEquivalenceKey == AcceptKey
                ? "Accept breaking changes in " + SchemaCompatibilityAnalyzer.FileName
                : "Update " + SchemaCompatibilityAnalyzer.FileName;
            return Task.FromResult<CodeAction?>(CodeAction.Create(title, ct => FixAsync(fixAllContext, id, ct), fixAllContext.CodeActionEquivalenceKey));
        }

        private static async Task<Solution> FixAsync(FixAllContext context, string id, CancellationToken cancellationToken)
        {
            IEnumerable<Project> projects = context.Scope == FixAllScope.Solution ? context.Solution.Projects : new[] { context.Project };
            Solution solution = context.Solution;
            foreach (Project project in projects)
            {
                ImmutableArray<Diagnostic> diagnostics = context.Scope == FixAllScope.Document && context.Document is not null
                    ? await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false)
                    : await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false);
                var updates = new List<(string, string)>();
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    if (diagnostic.Id == id &&
                        diagnostic.Properties.TryGetValue(SchemaCompatibilityAnalyzer.SchemaProperty, out string? schema) && schema is not null &&
                        diagnostic.Properties.TryGetValue(SchemaCompatibilityAnalyzer.FullNameProperty, out string? fullName) && fullName is not null)
                    {
                        updates.Add((fullName, schema));
                    }
                }

                if (updates.Count > 0)
                {
                    solution = await ApplyAsync(solution, project.Id, updates, cancellationToken).ConfigureAwait(false);
                }
            }

            return solution;
        }
    }
}
