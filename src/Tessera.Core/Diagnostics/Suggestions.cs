namespace Tessera.Diagnostics;

/// <summary>"Did you mean" hints for misspelt keys, names and options.</summary>
public static class Suggestions
{
    /// <summary>" (did you mean 'x'?)" for the nearest known word within a third of its length in edits, else "".</summary>
    public static string DidYouMean(string given, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(known);
        var word = given.Trim().ToLowerInvariant();
        var best = known.Select(k => (Known: k, Distance: Distance(word, k.ToLowerInvariant())))
            .Where(k => k.Distance > 0 && k.Distance <= Math.Max(1, k.Known.Length / 3))
            .OrderBy(k => k.Distance).ThenBy(k => k.Known, StringComparer.Ordinal).FirstOrDefault();
        return best.Known is null ? "" : $" (did you mean '{best.Known}'?)";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
