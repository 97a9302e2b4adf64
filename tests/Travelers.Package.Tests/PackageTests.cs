using System.IO.Compression;
using System.Xml.Linq;

namespace Travelers.Package.Tests;

/// <summary>The Travelers package as a game programmer gets it: its files, and a program built against it.</summary>
public sealed class PackageTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public void Package_holds_both_runtimes_and_the_roslyn_components_and_depends_on_no_project_of_ours()
    {
        AssertPacked();
        using ZipArchive archive = ZipFile.OpenRead(package.PackagePath);
        var entries = archive.Entries.Select(entry => entry.FullName).ToHashSet(StringComparer.Ordinal);
        string listing = string.Join(Environment.NewLine, entries.Order(StringComparer.Ordinal));

        string[] expected =
        [
            "lib/net8.0/Travelers.dll",
            "lib/net10.0/Travelers.dll",
            "analyzers/dotnet/cs/Travelers.Generators.dll",
            "analyzers/dotnet/cs/Travelers.Analyzers.dll",
            "analyzers/dotnet/cs/Travelers.CodeFixes.dll",
        ];
        foreach (string path in expected)
        {
            Assert.True(entries.Contains(path), $"{path} is missing from the package, which holds:{Environment.NewLine}{listing}");
        }

        // The generator and analyzers ship only where the compiler looks for them, never as references.
        string[] misplaced = entries
            .Where(entry => entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Where(entry => !expected.Contains(entry, StringComparer.Ordinal))
            .ToArray();
        Assert.True(misplaced.Length == 0, $"Unexpected assemblies in the package:{Environment.NewLine}{listing}");

        ZipArchiveEntry nuspecEntry = Assert.Single(archive.Entries, entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream nuspecStream = nuspecEntry.Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        string[] dependencies = nuspec.Descendants()
            .Where(element => element.Name.LocalName == "dependency")
            .Select(element => (string?)element.Attribute("id") ?? "")
            .ToArray();
        Assert.True(
            !dependencies.Any(id => id.StartsWith("Travelers", StringComparison.OrdinalIgnoreCase)),
            $"The package depends on a project of this repository: {string.Join(", ", dependencies)}{Environment.NewLine}{nuspec}");
        Assert.Equal(package.Version, nuspec.Descendants().Single(element => element.Name.LocalName == "version").Value);
    }

    [Fact]
    public async Task A_net8_program_that_references_the_package_round_trips_its_messages()
    {
        AssertPacked();
        CancellationToken cancellationToken = TestContext.Current.CancellationToken;
        string consumer = Path.Combine(package.WorkDirectory, "consumer");
        WriteConsumer(consumer, "Consumer", treatWarningsAsErrors: true);

        // Restore and build in one go; the package's generator writes the serializers.
        CommandResult build = await DotNet.RunAsync(consumer, BuildTimeout, cancellationToken,
            "build", "Consumer.csproj", "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary");
        package.RememberPackageFolders(Path.Combine(consumer, "obj", "project.assets.json"));
        Assert.True(build.ExitCode == 0, build.ToString());

        // net8.0 output on whatever runtime is installed (RollForward=Major in the project).
        string assembly = Path.Combine(consumer, "bin", "Release", "net8.0", "Consumer.dll");
        CommandResult run = await DotNet.RunAsync(consumer, RunTimeout, cancellationToken, assembly);
        TestContext.Current.TestOutputHelper?.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Ping 42 -1.5 (", run.Output, StringComparison.Ordinal);
        Assert.Contains("Chat ann: hello, travelers (", run.Output, StringComparison.Ordinal);
        Assert.Contains("MaxDepth 32", run.Output, StringComparison.Ordinal);
        Assert.Contains("Travelers for .NETCoreApp,Version=v8.0", run.Output, StringComparison.Ordinal);
        Assert.Contains("Round trip: OK", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dotnet_build_reports_each_misuse_at_the_line_of_the_offending_type_or_member()
    {
        AssertPacked();
        CancellationToken cancellationToken = TestContext.Current.CancellationToken;
        string project = Path.Combine(package.WorkDirectory, "misuse");
        WriteConsumer(project, "Misuse", treatWarningsAsErrors: false, langVersion: "13"); // partial properties

        // The checked-in schema the wire-compatibility rule compares with, given to the compiler as a game does.
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Misuse", "Travelers.Schema.txt"), Path.Combine(project, "Travelers.Schema.txt"), overwrite: true);
        File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project><ItemGroup><AdditionalFiles Include=\"Travelers.Schema.txt\" /></ItemGroup></Project>\n");

        // Info rules do not show in a build; raise TRV2004 the way the rule page tells a game to.
        File.WriteAllText(Path.Combine(project, ".editorconfig"), "root = true\n[*.cs]\ndotnet_diagnostic.TRV2004.severity = warning\n");
        CommandResult build = await DotNet.RunAsync(project, BuildTimeout, cancellationToken,
            "build", "Consumer.csproj", "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary");
        Assert.True(build.ExitCode != 0, "The misuse corpus holds errors, so its build must fail.\n" + build);

        string[] lines = File.ReadAllLines(Path.Combine(project, "Misuse.cs"));
        var expected = new HashSet<(int Line, string Id)>();
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (System.Text.RegularExpressions.Match id in System.Text.RegularExpressions.Regex.Matches(lines[i], @"// (TRV\d{4})\s*$"))
            {
                expected.Add((i + 1, id.Groups[1].Value));
            }
        }

        // "Misuse.cs(12,18): error TRV1001: ..." (each diagnostic may print twice: once per build step).
        var reported = new HashSet<(int Line, string Id)>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(build.Output, @"Misuse\.cs\((\d+),\d+\): (?:error|warning) (TRV\d{4})"))
        {
            reported.Add((int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value));
        }

        Assert.True(expected.Count >= 12, "The corpus lost its markers.");
        string Show(IEnumerable<(int Line, string Id)> set) => string.Join(", ", set.Order().Select(x => $"{x.Id}@{x.Line}"));
        Assert.True(
            expected.SetEquals(reported),
            $"expected {Show(expected)}\nreported {Show(reported)}\nmissing {Show(expected.Except(reported))}\nunexpected {Show(reported.Except(expected))}\n{build}");
    }

    private void AssertPacked()
    {
        Assert.True(package.Pack is { ExitCode: 0 } && File.Exists(package.PackagePath),
            $"No {package.PackagePath}. {package.Pack}");
    }

    /// <summary>
    /// A project in its own folder, fenced off from any Directory.Build.* or central package management
    /// above it, that restores Travelers from the temporary feed and everything else from the
    /// machine's configured sources (the nuget.config adds a source and clears none).
    /// </summary>
    private void WriteConsumer(string directory, string sources, bool treatWarningsAsErrors, string langVersion = "default")
    {
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, sources), "*.cs"))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="travelers-under-test" value="{new XText(package.FeedDirectory)}" />
              </packageSources>
            </configuration>

            """);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net8.0</TargetFramework>
                <RollForward>Major</RollForward>
                <Nullable>enable</Nullable>
                <LangVersion>{langVersion}</LangVersion>
                <ImplicitUsings>enable</ImplicitUsings>
                <!-- Code generated into a user's project must compile without a warning. -->
                <TreatWarningsAsErrors>{(treatWarningsAsErrors ? "true" : "false")}</TreatWarningsAsErrors>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Travelers" Version="[{package.Version}]" />
              </ItemGroup>
            </Project>

            """);
    }
}
