// Merges coverlet's cobertura reports into one line coverage of the assemblies built from src/.
//
//   dotnet run .ci/coverage.cs -- <repository root> <coverage.cobertura.xml>...
//
// Each test project writes its own report, covering the src/ assemblies it loaded. A line counts once
// however many reports list it (the union of the (file, line) pairs), and is covered if any test
// project ran it; percentages are never averaged. Prints one line:
//
//   Line coverage of src/: 87.3% (1234 of 1413 lines)
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;

string[] assemblies = ["Travelers", "Travelers.Generators", "Travelers.Analyzers"];

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: dotnet run .ci/coverage.cs -- <repository root> <coverage.cobertura.xml>...");
    return 2;
}

string src = Path.Join(Path.GetFullPath(args[0]), "src") + Path.DirectorySeparatorChar;
string obj = Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar;

// (file, line) -> covered by some report.
var lines = new Dictionary<(string File, int Line), bool>();
foreach (string report in args.Skip(1))
{
    XDocument document = XDocument.Load(report);
    string[] sources = document.Descendants("source").Select(source => source.Value.Trim()).ToArray();
    IEnumerable<XElement> packages = document.Descendants("package")
        .Where(package => assemblies.Contains((string?)package.Attribute("name"), StringComparer.Ordinal));
    foreach (XElement @class in packages.Descendants("class"))
    {
        string file = Resolve((string?)@class.Attribute("filename") ?? "", sources);
        // Sources of src/ only: not what a generator or the SDK wrote into obj/ at build time.
        if (!file.StartsWith(src, StringComparison.Ordinal) || file.Contains(obj, StringComparison.Ordinal))
        {
            continue;
        }
        // A class's own <lines>; its methods' <lines> repeat them.
        foreach (XElement line in @class.Elements("lines").Elements("line"))
        {
            var key = (file, int.Parse((string)line.Attribute("number")!, CultureInfo.InvariantCulture));
            bool hit = long.Parse((string)line.Attribute("hits")!, CultureInfo.InvariantCulture) > 0;
            lines[key] = hit || lines.GetValueOrDefault(key);
        }
    }
}

int valid = lines.Count;
int covered = lines.Values.Count(hit => hit);
double percent = valid == 0 ? 0 : Math.Floor(1000.0 * covered / valid) / 10;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Line coverage of src/: {percent:F1}% ({covered} of {valid} lines)"));
return 0;

// Coverlet names a file relative to one of the report's <source> folders, or absolutely.
static string Resolve(string filename, string[] sources)
{
    if (Path.IsPathRooted(filename))
    {
        return Path.GetFullPath(filename);
    }
    string? found = sources.Select(source => Path.GetFullPath(Path.Join(source, filename))).FirstOrDefault(File.Exists);
    return found ?? Path.GetFullPath(Path.Join(sources.FirstOrDefault() ?? "", filename));
}
