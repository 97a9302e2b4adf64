using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Travelers.Generators;
using Travelers.Generators.Model;
using Travelers.Generators.Parser;

namespace Travelers.Analyzers.Rules;

/// <summary>
/// TRV2005 and TRV2006: compares each message's schema with the checked-in <c>Travelers.Schema.txt</c>, like the
/// public-API analyzers do for APIs. Changes peers built from the file cannot read are warnings; new messages and
/// compatible changes are Info with a fix that updates the file. Without the file the rule is off.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SchemaCompatibilityAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The additional file's name.</summary>
    public const string FileName = "Travelers.Schema.txt";

    /// <summary>Diagnostic property: the message's schema as it is now.</summary>
    public const string SchemaProperty = "Schema";

    /// <summary>Diagnostic property: the message's full name, the file's key.</summary>
    public const string FullNameProperty = "FullName";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.BreakingSchemaChange, Descriptors.SchemaFileOutOfDate);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            AdditionalText? file = start.Options.AdditionalFiles.FirstOrDefault(IsSchemaFile);
            SourceText? text = file?.GetText(start.CancellationToken);
            if (file is null || text is null)
            {
                return; // no file, no rule
            }

            Dictionary<string, Entry> entries = Read(text);
            start.RegisterSymbolAction(c => AnalyzeType(c, entries), SymbolKind.NamedType);

            // Removed messages are found from the file's side, so they are reported on its line rather than
            // at compilation end (which would need a CompilationEnd-tagged descriptor).
            start.RegisterAdditionalFileAction(c =>
            {
                if (IsSchemaFile(c.AdditionalFile))
                {
                    ReportRemoved(c, entries);
                }
            });
        });
    }

    /// <summary>Whether <paramref name="file"/> is the schema file.</summary>
    public static bool IsSchemaFile(AdditionalText file) =>
        string.Equals(Path.GetFileName(file.Path), FileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The full name a schema line is keyed by: the text before '#'.</summary>
    public static string? KeyOf(string line)
    {
        string trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed[0] == '#')
        {
            return null;
        }

        int hash = trimmed.IndexOf('#');
        return hash > 0 ? trimmed.Substring(0, hash) : null;
    }

    private static Dictionary<string, Entry> Read(SourceText text)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (TextLine line in text.Lines)
        {
            string content = line.ToString();
            string? key = KeyOf(content);
            if (key is not null && !entries.ContainsKey(key))
            {
                entries.Add(key, new Entry(content.Trim(), line.Span, text.Lines.GetLinePositionSpan(line.Span)));
            }
        }

        return entries;
    }

    private static void AnalyzeType(SymbolAnalysisContext context, Dictionary<string, Entry> entries)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
        {
            return;
        }

        MessageModel? model = MessageParser.Parse(type, context.Compilation, context.CancellationToken)?.Model;
        if (model is null || type.Locations.Length == 0)
        {
            return; // TRV1001-TRV1005 report why there is no model
        }

        string schema = model.Schema;
        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
            .Add(SchemaProperty, schema)
            .Add(FullNameProperty, model.FullName);
        Location location = type.Locations[0];

        if (!entries.TryGetValue(model.FullName, out Entry? entry))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.SchemaFileOutOfDate, location, properties, model.FullName, "is not in the schema file yet"));
            return;
        }

        if (entry.Schema == schema)
        {
            return;
        }

        var breaking = new List<string>();
        var compatible = new List<string>();
        Compare(Shape.Parse(entry.Schema), Shape.Parse(schema), breaking, compatible);
        if (breaking.Count == 0 && compatible.Count == 0)
        {
            breaking.Add("its schema was '" + entry.Schema + "' and is now '" + schema + "'");
        }

        if (breaking.Count > 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.BreakingSchemaChange, location, properties, model.FullName, string.Join("; ", breaking)));
        }
        else
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.SchemaFileOutOfDate, location, properties, model.FullName, string.Join("; ", compatible)));
        }
    }

    private static void Compare(Shape old, Shape now, List<string> breaking, List<string> compatible)
    {
        if (old.Id != now.Id)
        {
            breaking.Add("its id changed from 0x" + old.Id + " to 0x" + now.Id);
        }

        if (old.Tolerant != now.Tolerant)
        {
            breaking.Add(old.Tolerant ? "it is no longer version tolerant" : "it became version tolerant");
        }

        var oldNames = old.Members.Select(m => m.Name).ToList();
        var newNames = now.Members.Select(m => m.Name).ToList();
        foreach (string name in oldNames.Where(n => !newNames.Contains(n)))
        {
            breaking.Add("member '" + name + "' was removed");
        }

        var commonOld = oldNames.Where(newNames.Contains).ToList();
        var commonNew = newNames.Where(oldNames.Contains).ToList();
        if (!commonOld.SequenceEqual(commonNew))
        {
            breaking.Add("members were reordered: (" + string.Join(", ", commonOld) + ") is now (" + string.Join(", ", commonNew) + ")");
        }

        foreach (Member member in now.Members)
        {
            Member? before = old.Members.FirstOrDefault(m => m.Name == member.Name);
            if (before is null)
            {
                continue;
            }

            if (before.Type != member.Type || before.VarInt != member.VarInt)
            {
                breaking.Add("member '" + member.Name + "' was '" + before.Text + "' and is now '" + member.Text + "'");
            }
            else if (before.Limit != member.Limit)
            {
                // Peers built from the file may send up to the old limit: a lower one makes this build refuse them.
                string change = " limit was " + (member.Limit < before.Limit ? "lowered" : "raised") + " from " +
                    before.Limit.ToString(CultureInfo.InvariantCulture) + " to " + member.Limit.ToString(CultureInfo.InvariantCulture);
                (member.Limit < before.Limit ? breaking : compatible).Add("member '" + member.Name + "'" + change);
            }
        }

        // A new member after the last shipped one is an append; anywhere else it shifts shipped members.
        int lastCommon = commonNew.Count == 0 ? -1 : newNames.IndexOf(commonNew[commonNew.Count - 1]);
        var appended = new List<string>();
        for (int i = 0; i < newNames.Count; i++)
        {
            if (oldNames.Contains(newNames[i]))
            {
                continue;
            }

            if (i < lastCommon)
            {
                breaking.Add("member '" + newNames[i] + "' was inserted before shipped members");
            }
            else if (old.Tolerant && now.Tolerant)
            {
                appended.Add(newNames[i]);
            }
            else
            {
                breaking.Add("member '" + newNames[i] + "' was appended to a message that is not version tolerant");
            }
        }

        if (appended.Count > 0)
        {
            compatible.Add("has new members appended (compatible): " + string.Join(", ", appended));
        }
    }

    private static void ReportRemoved(AdditionalFileAnalysisContext context, Dictionary<string, Entry> entries)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(context.Compilation.Assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            INamespaceOrTypeSymbol current = pending.Pop();
            if (current is INamespaceSymbol ns)
            {
                foreach (INamespaceOrTypeSymbol member in ns.GetMembers())
                {
                    pending.Push(member);
                }

                continue;
            }

            var type = (INamedTypeSymbol)current;
            if (TypeClassifier.HasAttribute(type, KnownTypes.NetMessageAttribute))
            {
                present.Add(TypeClassifier.FullNameOf(type));
            }

            foreach (INamedTypeSymbol nested in type.GetTypeMembers())
            {
                pending.Push(nested);
            }
        }

        foreach (KeyValuePair<string, Entry> pair in entries.OrderBy(p => p.Value.Span.Start))
        {
            if (!present.Contains(pair.Key))
            {
                Location location = Location.Create(context.AdditionalFile.Path, pair.Value.Span, pair.Value.LineSpan);
                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(FullNameProperty, pair.Key);
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.BreakingSchemaChange, location, properties, pair.Key, "the message was removed"));
            }
        }
    }

    private sealed class Entry(string schema, TextSpan span, LinePositionSpan lineSpan)
    {
        public string Schema { get; } = schema;

        public TextSpan Span { get; } = span;

        public LinePositionSpan LineSpan { get; } = lineSpan;
    }

    /// <summary>One member of a schema string: <c>Name:type[max=N][varint]</c>.</summary>
    private sealed class Member(string text, string name, string type, int limit, bool varInt)
    {
        public string Text { get; } = text;

        public string Name { get; } = name;

        public string Type { get; } = type;

        /// <summary>[max=], or the default limit when absent.</summary>
        public int Limit { get; } = limit;

        public bool VarInt { get; } = varInt;

        public static Member Parse(string text)
        {
            int colon = text.IndexOf(':');
            string name = colon < 0 ? text : text.Substring(0, colon);
            string rest = colon < 0 ? string.Empty : text.Substring(colon + 1);
            bool varInt = false;
            int limit = MissingMaxLengthAnalyzer.DefaultLimit;
            while (rest.EndsWith("]", StringComparison.Ordinal) && rest.LastIndexOf('[') is int open and >= 0)
            {
                string suffix = rest.Substring(open + 1, rest.Length - open - 2);
                if (suffix == "varint")
                {
                    varInt = true;
                }
                else if (suffix.StartsWith("max=", StringComparison.Ordinal) && int.TryParse(suffix.Substring(4), NumberStyles.Integer, CultureInfo.InvariantCulture, out int max))
                {
                    limit = max;
                }
                else
                {
                    break;
                }

                rest = rest.Substring(0, open);
            }

            return new Member(text, name, rest, limit, varInt);
        }
    }

    /// <summary>A schema string taken apart: <c>FullName#ID[~](members)</c>.</summary>
    private sealed class Shape(string id, bool tolerant, List<Member> members)
    {
        public string Id { get; } = id;

        public bool Tolerant { get; } = tolerant;

        public List<Member> Members { get; } = members;

        public static Shape Parse(string schema)
        {
            int hash = schema.IndexOf('#');
            int open = schema.IndexOf('(', hash + 1);
            string head = open < 0 ? schema.Substring(hash + 1) : schema.Substring(hash + 1, open - hash - 1);
            bool tolerant = head.EndsWith("~", StringComparison.Ordinal);
            string id = tolerant ? head.Substring(0, head.Length - 1) : head;
            var members = new List<Member>();
            if (open >= 0)
            {
                string body = schema.Substring(open + 1).TrimEnd();
                if (body.EndsWith(")", StringComparison.Ordinal))
                {
                    body = body.Substring(0, body.Length - 1);
                }

                // Split on ';' outside brackets, in case a type's schema ever nests one.
                int depth = 0;
                int from = 0;
                for (int i = 0; i <= body.Length; i++)
                {
                    char c = i < body.Length ? body[i] : ';';
                    if (c is '<' or '(' or '[')
                    {
                        depth++;
                    }
                    else if (c is '>' or ')' or ']')
                    {
                        depth--;
                    }
                    else if (c == ';' && depth <= 0)
                    {
                        if (i > from)
                        {
                            members.Add(Member.Parse(body.Substring(from, i - from)));
                        }

                        from = i + 1;
                    }
                }
            }

            return new Shape(id, tolerant, members);
        }
    }
}
