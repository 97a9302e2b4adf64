using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Travelers.Generators.Helpers;

/// <summary>
/// Roslyn compares hint names ignoring case, but C# types may differ by case only (<c>Chat</c> and <c>CHAT</c>): the
/// ordinal first of such types keeps its plain hint name, the others get their stable hash as a suffix.
/// </summary>
internal static class HintNames
{
    public static IEnumerable<T> Disambiguate<T>(IEnumerable<T> models, Func<T, string> fullName, Func<T, string, T> withSuffix)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (T model in models.OrderBy(fullName, StringComparer.Ordinal))
        {
            string name = fullName(model);
            yield return taken.Add(name) ? model : withSuffix(model, "." + StableHash.Compute(name).ToString("X16", CultureInfo.InvariantCulture));
        }
    }
}
