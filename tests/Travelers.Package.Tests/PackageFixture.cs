using System.Globalization;
using System.Text.Json;

namespace Travelers.Package.Tests;

/// <summary>
/// Packs src/Travelers.Runtime once for the tests of a class, into a temporary feed, with a version
/// no cache has seen (so NuGet can never serve a stale copy), and builds it out of the repository's
/// tree (its bin/ and obj/ stay untouched). Deletes all of it, and the version from the global packages
/// folder, afterwards.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    internal static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    public PackageFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = "0.0.0-test" + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        WorkDirectory = Path.Combine(Path.GetTempPath(), "travelers-package-tests-" + Guid.NewGuid().ToString("N")[..12]);
        FeedDirectory = Path.Combine(WorkDirectory, "feed");
        PackagePath = Path.Combine(FeedDirectory, $"Travelers.{Version}.nupkg");
    }

    public string RepositoryRoot { get; }

    /// <summary>The package's version, unique to this run.</summary>
    public string Version { get; }

    /// <summary>A temporary folder of this run, deleted afterwards.</summary>
    public string WorkDirectory { get; }

    /// <summary>The folder the package is packed into: the consumer's extra package source.</summary>
    public string FeedDirectory { get; }

    public string PackagePath { get; }

    /// <summary>The <c>dotnet pack</c>, for assertion messages.</summary>
    internal CommandResult? Pack { get; private set; }

    /// <summary>Global packages folders the consumer restored into, so the package is removed from them.</summary>
    internal List<string> PackageFolders { get; } = [];

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(FeedDirectory);
        Pack = await DotNet.RunAsync(RepositoryRoot, PackTimeout, TestContext.Current.CancellationToken,
            "pack", Path.Combine("src", "Travelers.Runtime", "Travelers.Runtime.csproj"),
            "-c", "Release",
            "-o", FeedDirectory,
            "--artifacts-path", Path.Combine(WorkDirectory, "artifacts"),
            "-p:Version=" + Version,
            "-nologo", "-clp:NoSummary;ErrorsOnly");
    }

    public ValueTask DisposeAsync()
    {
        foreach (string folder in PackageFolders.Distinct())
        {
            TryDelete(Path.Combine(folder, "travelers", Version.ToLowerInvariant()));
            // Versions left behind by runs that were killed before they could clean up.
            string all = Path.Combine(folder, "travelers");
            if (Directory.Exists(all))
            {
                foreach (string stale in Directory.EnumerateDirectories(all, "0.0.0-test*"))
                {
                    if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddDays(-1))
                    {
                        TryDelete(stale);
                    }
                }
            }
        }
        TryDelete(WorkDirectory);
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the package folders a restore used from its project.assets.json.</summary>
    internal void RememberPackageFolders(string assetsFile)
    {
        if (!File.Exists(assetsFile))
        {
            return;
        }
        using JsonDocument assets = JsonDocument.Parse(File.ReadAllBytes(assetsFile));
        if (assets.RootElement.TryGetProperty("packageFolders", out JsonElement folders))
        {
            lock (PackageFolders)
            {
                PackageFolders.AddRange(folders.EnumerateObject().Select(folder => folder.Name));
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Travelers.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Travelers.sln in {AppContext.BaseDirectory} or any folder above it.");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a temporary folder that cannot be deleted now harms nothing.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
