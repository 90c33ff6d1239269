using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Tiling;

/// <summary>Tiles a whole model and finds the exact data dependencies between tiles.</summary>
public static class WorkloadTiler
{
    /// <summary>Every operator with the same tiling (cuts on dimensions an operator lacks are ignored).</summary>
    public static TiledWorkload Tile(ModelGraph model, TilingSpec tiling, int cores = 1) =>
        Tile(model, _ => tiling, _ => cores);

    /// <summary>
    /// Operators of each stack get the stack's tiling; the others get <paramref name="rest"/> (whole by default).
    /// </summary>
    public static TiledWorkload Tile(ModelGraph model, IEnumerable<FusedStack> stacks, TilingSpec? rest = null)
    {
        var byOperator = new Dictionary<string, TilingSpec>(StringComparer.Ordinal);
        foreach (var stack in stacks)
            foreach (var name in stack.Operators)
            {
                if (!model.Operators.Any(o => o.Name == name))
                    throw TesseraInputException.At(model.Name, $"fused stack '{stack.Name}' names operator '{name}', which the model does not have");
                if (!byOperator.TryAdd(name, stack.Tiling))
                    throw TesseraInputException.At(model.Name, $"operator '{name}' is in two fused stacks; expected each operator in at most one");
            }
        return Tile(model, op => byOperator.GetValueOrDefault(op.Name) ?? rest ?? TilingSpec.Whole);
    }

    /// <summary>Each operator with its own tiling; <paramref name="coresOf"/> resolves "one tile per core" cuts.</summary>
    public static TiledWorkload Tile(ModelGraph model, Func<Operator, TilingSpec> tilingOf, Func<Operator, int>? coresOf = null)
    {
        var tiles = ImmutableArray.CreateBuilder<Tile>();
        foreach (var op in model.Operators)
            tiles.AddRange(OperatorTiler.Split(model, op, tilingOf(op), tiles.Count, coresOf?.Invoke(op) ?? 1));
        var all = tiles.ToImmutable();

        var consumed = model.Operators.SelectMany(o => o.Inputs).ToHashSet(StringComparer.Ordinal);
        var parameters = ImmutableArray.CreateBuilder<TileTransfer>();
        var inputs = ImmutableArray.CreateBuilder<TileTransfer>();
        var outputs = ImmutableArray.CreateBuilder<TileTransfer>();
        foreach (var tile in all)
        {
            foreach (var read in tile.Reads)
                switch (model.Tensors[read.Tensor].Kind)
                {
                    case TensorKind.Parameter: parameters.Add(new(tile.Id, read.Tensor, read.Bytes)); break;
                    case TensorKind.ModelInput: inputs.Add(new(tile.Id, read.Tensor, read.Bytes)); break;
                }
            foreach (var write in tile.Writes)
                if (!consumed.Contains(write.Tensor))
                    outputs.Add(new(tile.Id, write.Tensor, write.Bytes));
        }
        return new TiledWorkload(model, all, Dependencies(model, all), parameters.ToImmutable(), inputs.ToImmutable(), outputs.ToImmutable());
    }

    /// <summary>
    /// Producer tile → consumer tile for every activation box a consumer reads that a producer writes, with the
    /// overlap in bytes. Producer boxes are indexed by interval per tensor, so the cost grows with the overlaps
    /// found, not with producer × consumer tile pairs.
    /// </summary>
    public static ImmutableArray<TileDependency> Dependencies(ModelGraph model, IReadOnlyList<Tile> tiles)
    {
        var writers = new Dictionary<string, List<(int Tile, TensorBox Box)>>(StringComparer.Ordinal);
        foreach (var tile in tiles)
            foreach (var w in tile.Writes)
            {
                if (!writers.TryGetValue(w.Tensor, out var list)) writers[w.Tensor] = list = [];
                list.Add((tile.Id, w));
            }
        var indices = writers.ToDictionary(p => p.Key, p => new BoxIndex(p.Value), StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<TileDependency>();
        var found = new List<(int Tile, long Elements)>();
        foreach (var tile in tiles)
            foreach (var read in tile.Reads)
            {
                if (model.Tensors[read.Tensor].Kind != TensorKind.Activation || !indices.TryGetValue(read.Tensor, out var index))
                    continue;
                found.Clear();
                index.Overlapping(read, found);
                found.Sort((a, b) => a.Tile.CompareTo(b.Tile));
                foreach (var (from, elements) in found)
                    result.Add(new TileDependency(from, tile.Id, read.Tensor, (elements * read.Bits + 7) / 8));
            }
        return result.ToImmutable();
    }

    /// <summary>Boxes of one tensor sorted by start along their most discriminating axis, with a running maximum end.</summary>
    private sealed class BoxIndex
    {
        private readonly (int Tile, TensorBox Box)[] _entries;
        private readonly long[] _starts;
        private readonly long[] _maxEnd;
        private readonly int _axis;

        public BoxIndex(List<(int Tile, TensorBox Box)> entries)
        {
            var rank = entries[0].Box.Axes.Length;
            _axis = Enumerable.Range(0, rank)
                .OrderByDescending(a => entries.Select(e => e.Box.Axes[a]).Distinct().Count()).ThenBy(a => a).FirstOrDefault();
            _entries = [.. entries.OrderBy(e => rank == 0 ? 0 : e.Box.Axes[_axis].Start).ThenBy(e => e.Tile)];
            _starts = [.. _entries.Select(e => rank == 0 ? 0 : e.Box.Axes[_axis].Start)];
            _maxEnd = new long[_entries.Length];
            long max = long.MinValue;
            for (int i = 0; i < _entries.Length; i++)
                _maxEnd[i] = max = Math.Max(max, rank == 0 ? 1 : _entries[i].Box.Axes[_axis].End);
        }

        public void Overlapping(TensorBox query, List<(int Tile, long Elements)> found)
        {
            if (query.Axes.Length == 0)
            {
                foreach (var (tile, box) in _entries) found.Add((tile, 1));
                return;
            }
            var range = query.Axes[_axis];
            // Entries starting before the query ends; walk back while some of them may still end after it starts.
            int i = UpperBound(range.End - 1);
            for (i--; i >= 0 && _maxEnd[i] > range.Start; i--)
            {
                var elements = _entries[i].Box.OverlapElements(query);
                if (elements > 0) found.Add((_entries[i].Tile, elements));
            }
        }

        /// <summary>Number of entries whose start is ≤ value.</summary>
        private int UpperBound(long value)
        {
            int lo = 0, hi = _starts.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_starts[mid] <= value) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }
    }
}
