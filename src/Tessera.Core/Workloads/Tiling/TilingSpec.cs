using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Tiling;

/// <summary>How one dimension is cut: into a number of tiles, into tiles of a size, one tile per index, or one tile per core.</summary>
public enum SplitKind
{
    /// <summary>Value tiles of near-equal length (Stream's "OY, 8").</summary>
    Count,

    /// <summary>Tiles of Value indices, the last one shorter (Stream's "tile: 256").</summary>
    Size,

    /// <summary>One tile per index (Stream's "OY, all").</summary>
    All,

    /// <summary>One tile per allocated core (Stream's "K, *"); resolved to a count once the allocation is known.</summary>
    PerCore,
}

/// <summary>One dimension cut of a tiling, e.g. OY into 8 tiles.</summary>
public sealed record DimensionSplit(string Dimension, SplitKind Kind, long Value = 0)
{
    /// <summary>Half-open [start, end) ranges that cover 0..size exactly once, in order.</summary>
    public ImmutableArray<IndexRange> Ranges(long size, int cores = 1)
    {
        long count = Kind switch
        {
            SplitKind.Count => Value,
            SplitKind.All => size,
            SplitKind.PerCore => cores,
            SplitKind.Size => (size + Value - 1) / Value,
            _ => 1,
        };
        count = Math.Clamp(count, 1, size);
        var ranges = ImmutableArray.CreateBuilder<IndexRange>((int)count);
        for (long i = 0; i < count; i++)
            ranges.Add(Kind == SplitKind.Size
                ? new IndexRange(i * Value, Math.Min(size, (i + 1) * Value))
                // Balanced cut: lengths differ by at most one.
                : new IndexRange(i * size / count, (i + 1) * size / count));
        return ranges.MoveToImmutable();
    }

    /// <summary>Parses Stream's "DIM, n" / "DIM, all" / "DIM, *" form.</summary>
    public static DimensionSplit Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0)
            throw new TesseraInputException($"tiling '{text}'; expected 'DIMENSION, COUNT' with COUNT a positive integer, all or *");
        var factor = parts[1];
        if (factor.Equals("all", StringComparison.OrdinalIgnoreCase)) return new(parts[0], SplitKind.All);
        if (factor == "*") return new(parts[0], SplitKind.PerCore);
        return long.TryParse(factor, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? new(parts[0], SplitKind.Count, n)
            : throw new TesseraInputException($"tiling '{text}' has count '{factor}'; expected a positive integer, all or *");
    }

    public override string ToString() => Kind switch
    {
        SplitKind.All => $"{Dimension}, all",
        SplitKind.PerCore => $"{Dimension}, *",
        SplitKind.Size => $"{Dimension}, size {Value}",
        _ => $"{Dimension}, {Value}",
    };
}

/// <summary>A tiling: the cartesian product of its dimension cuts (the first cut is outermost).</summary>
public sealed record TilingSpec(ImmutableArray<DimensionSplit> Splits)
{
    /// <summary>No cut: one tile per operator (layer by layer).</summary>
    public static readonly TilingSpec Whole = new([]);

    public static TilingSpec Of(params DimensionSplit[] splits) => new([.. splits]);

    /// <summary>Parses one or more Stream-style cuts, e.g. "OY, all" or "K, 4".</summary>
    public static TilingSpec Parse(params string[] cuts) => new([.. cuts.Select(DimensionSplit.Parse)]);

    /// <summary>This tiling followed by another's cuts (intra-core tiles split again across cores).</summary>
    public TilingSpec Then(TilingSpec inner) => new(Splits.AddRange(inner.Splits));

    /// <summary>Equal when the cuts are equal, in order (ImmutableArray alone compares by reference).</summary>
    public bool Equals(TilingSpec? other) => other is not null && Splits.SequenceEqual(other.Splits);

    public override int GetHashCode() => Splits.Aggregate(0, HashCode.Combine);

    public override string ToString() => Splits.IsEmpty ? "whole" : string.Join("; ", Splits);
}

/// <summary>Consecutive operators tiled together with one tiling (a layer-fusion stack).</summary>
[SuppressMessage("Naming", "CA1711", Justification = "A layer stack, Stream's and the fusion literature's term, not a stack collection.")]
public sealed record FusedStack(string Name, ImmutableArray<string> Operators, TilingSpec Tiling);
