namespace Travelers.Analyzers.Tests;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Travelers.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string RulesFolder => Path.Combine(Root, "docs", "rules");

    public static string RulePage(string id) => Path.Combine(RulesFolder, id + ".md");

    /// <summary>The source folder of a component: src/{assembly name}.</summary>
    public static string ProjectFolder(string assemblyName) => Path.Combine(Root, "src", assemblyName);

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Travelers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Travelers.sln not found above " + AppContext.BaseDirectory);
    }
}
