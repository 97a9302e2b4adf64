using Microsoft.CodeAnalysis.CSharp;

namespace Travelers.Generators.Helpers;

/// <summary>Names as generated code must write them.</summary>
internal static class Identifiers
{
    /// <summary><paramref name="name"/> as an identifier: <c>@class</c> for a keyword, the name itself otherwise.</summary>
    public static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
