using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Hardware;

/// <summary>Generators of interconnect graphs as undirected pairs of endpoint ids.</summary>
public static class Topologies
{
    /// <summary>The default id of the chiplet at grid position (x, y).</summary>
    public static string GridId(int x, int y) => $"c{x}_{y}";

    /// <summary>The default id of the i-th chiplet of a ring or all-to-all package.</summary>
    public static string IndexId(int i) => $"c{i}";

    /// <summary>2-D mesh: each chiplet joins its right and lower neighbour.</summary>
    public static ImmutableArray<(string A, string B)> Mesh(int width, int height, Func<int, int, string>? id = null)
    {
        CheckGrid(width, height);
        id ??= GridId;
        var pairs = ImmutableArray.CreateBuilder<(string, string)>();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                if (x + 1 < width) pairs.Add((id(x, y), id(x + 1, y)));
                if (y + 1 < height) pairs.Add((id(x, y), id(x, y + 1)));
            }
        return pairs.ToImmutable();
    }

    /// <summary>2-D torus: a mesh with wrap-around links (a wrap is skipped where it would repeat a mesh link).</summary>
    public static ImmutableArray<(string A, string B)> Torus(int width, int height, Func<int, int, string>? id = null)
    {
        CheckGrid(width, height);
        id ??= GridId;
        var pairs = Mesh(width, height, id).ToBuilder();
        // Rows or columns of two already touch; a wrap link there would double the mesh link.
        if (width > 2)
            for (var y = 0; y < height; y++) pairs.Add((id(width - 1, y), id(0, y)));
        if (height > 2)
            for (var x = 0; x < width; x++) pairs.Add((id(x, height - 1), id(x, 0)));
        return pairs.ToImmutable();
    }

    /// <summary>Triangular mesh: a mesh plus one diagonal (top-left to bottom-right) per cell.</summary>
    public static ImmutableArray<(string A, string B)> Triangular(int width, int height, Func<int, int, string>? id = null)
    {
        CheckGrid(width, height);
        id ??= GridId;
        var pairs = Mesh(width, height, id).ToBuilder();
        for (var y = 0; y + 1 < height; y++)
            for (var x = 0; x + 1 < width; x++)
                pairs.Add((id(x, y), id(x + 1, y + 1)));
        return pairs.ToImmutable();
    }

    /// <summary>Ring over n chiplets with default ids c0 … c(n−1).</summary>
    public static ImmutableArray<(string A, string B)> Ring(int n) => Ring(Ids(n));

    /// <summary>Ring over the given ids in order.</summary>
    public static ImmutableArray<(string A, string B)> Ring(IReadOnlyList<string> ids)
    {
        var pairs = ImmutableArray.CreateBuilder<(string, string)>();
        for (var i = 0; i + 1 < ids.Count; i++) pairs.Add((ids[i], ids[i + 1]));
        if (ids.Count > 2) pairs.Add((ids[^1], ids[0]));
        return pairs.ToImmutable();
    }

    /// <summary>A link between every pair of n chiplets with default ids.</summary>
    public static ImmutableArray<(string A, string B)> AllToAll(int n) => AllToAll(Ids(n));

    /// <summary>A link between every pair of the given ids.</summary>
    public static ImmutableArray<(string A, string B)> AllToAll(IReadOnlyList<string> ids)
    {
        var pairs = ImmutableArray.CreateBuilder<(string, string)>();
        for (var i = 0; i < ids.Count; i++)
            for (var j = i + 1; j < ids.Count; j++)
                pairs.Add((ids[i], ids[j]));
        return pairs.ToImmutable();
    }

    /// <summary>An explicit adjacency list; duplicate and self pairs are rejected.</summary>
    public static ImmutableArray<(string A, string B)> Explicit(IEnumerable<(string A, string B)> pairs)
    {
        var seen = new HashSet<(string, string)>();
        var result = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var (a, b) in pairs)
        {
            if (a == b)
                throw new TesseraInputException($"link {a}–{b} joins a chiplet to itself; expected two different endpoints");
            var key = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
            if (seen.Add(key)) result.Add((a, b));
        }
        return result.ToImmutable();
    }

    /// <summary>Turns pairs into links of one kind.</summary>
    public static ImmutableArray<Link> ToLinks(IEnumerable<(string A, string B)> pairs, double bandwidthBytesPerSecond,
        double energyPerBitPj, double latencySeconds) =>
        [.. pairs.Select(p => new Link(p.A, p.B, bandwidthBytesPerSecond, energyPerBitPj, latencySeconds))];

    private static string[] Ids(int n)
    {
        if (n <= 0)
            throw new TesseraInputException($"topology over {n} chiplets; expected a positive count");
        return [.. Enumerable.Range(0, n).Select(IndexId)];
    }

    private static void CheckGrid(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new TesseraInputException($"grid {width}×{height}; expected a positive width and height");
    }
}
