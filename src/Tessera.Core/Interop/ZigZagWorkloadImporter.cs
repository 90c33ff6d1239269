using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Tessera.Diagnostics;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Interop;

/// <summary>
/// Reads a ZigZag workload file: a list of layers, each an equation over named loops, e.g.
/// <c>O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]</c> with <c>loop_dims</c>/<c>loop_sizes</c>, the window relations
/// (<c>iy=2*oy+1*fy</c>), per-operand precision (<c>O</c> is the partial sum, <c>O_final</c> the result) and
/// <c>operand_source</c> (the producing layer's id; the layer's own id for a constant). A multiply-accumulate
/// (<c>+=</c> … <c>*</c> …) becomes a loop nest; a sum (<c>=</c> … <c>+</c> …) or a layer whose weight has precision 0
/// (pooling) becomes vector work, one operation per output per reduced point.
/// </summary>
public static partial class ZigZagWorkloadImporter
{
    private static readonly string[] Keys =
    [
        "id", "name", "operator_type", "equation", "dimension_relations", "loop_dims", "loop_sizes", "operand_precision",
        "operand_source", "padding", "pr_loop_dims", "pr_loop_sizes", "core_allocation", "memory_operand_links",
    ];

    [GeneratedRegex(@"^\s*(\w+)((?:\[\w*\])*)\s*(\+?=)\s*(\w+)((?:\[\w*\])*)\s*([*+])\s*(\w+)((?:\[\w*\])*)\s*$")]
    private static partial Regex Equation();

    [GeneratedRegex(@"\[(\w*)\]")]
    private static partial Regex Index();

    [GeneratedRegex(@"^\s*(\w+)\s*=\s*(.+)$")]
    private static partial Regex Relation();

    [GeneratedRegex(@"^\s*(?:(\d+)\s*\*\s*)?(\w+)\s*$")]
    private static partial Regex Term();

    /// <summary>A file that is a ZigZag workload: YAML whose first entry has an equation.</summary>
    public static bool Handles(string path)
    {
        if (!(path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            || !File.Exists(path))
            return false;
        var (_, root) = YamlReader.LoadAny(path);
        return root is YamlSequenceNode { Children.Count: > 0 } list && list.Children[0] is YamlMappingNode first
            && YamlReader.Find(first, "equation") is not null;
    }

    /// <summary>The workload as a model graph; <paramref name="batch"/> multiplies the B loop.</summary>
    public static ModelGraph Load(string path, int batch = 1)
    {
        var (r, root) = YamlReader.LoadAny(path);
        var layers = r.Sequence(root, "a ZigZag workload (a list of layers with an equation)");
        var tensors = new List<Tensor>();
        var operators = new List<Operator>();
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in layers)
        {
            var layer = r.Mapping(item, "a layer");
            foreach (var (k, _) in layer.Children)
            {
                var key = r.Text(k, "key");
                if (!Keys.Contains(key, StringComparer.Ordinal))
                    throw r.Error(k, $"unknown layer key '{key}'{Suggestions.DidYouMean(key, Keys)}; expected one of {string.Join(", ", Keys)}");
            }
            var (op, layerTensors) = Layer(r, layer, batch, outputs);
            outputs[r.Text(r.Need(layer, "id", "a layer"), "id")] = op.Outputs[0];
            tensors.AddRange(layerTensors);
            operators.Add(op);
        }
        return new ModelGraph(Path.GetFileNameWithoutExtension(path), tensors, operators, r.File);
    }

    private static (Operator, List<Tensor>) Layer(YamlReader r, YamlMappingNode layer, int batch, Dictionary<string, string> outputs)
    {
        var id = r.Text(r.Need(layer, "id", "a layer"), "id");
        var name = r.OptionalText(layer, "name") ?? $"layer{id}";
        var type = r.OptionalText(layer, "operator_type") ?? "Layer";
        var equationNode = r.Need(layer, "equation", $"layer {id}");
        var match = Equation().Match(r.Text(equationNode, "equation"));
        if (!match.Success)
            throw r.Error(equationNode, "equation; expected OUT[i]…+=A[j]…*B[k]… (a multiply-accumulate) or OUT[i]…=A[j]…+B[k]… (a sum)");
        bool mac = match.Groups[3].Value == "+=" && match.Groups[6].Value == "*";

        var dimsNode = r.Sequence(r.Need(layer, "loop_dims", $"layer {id}"), "loop_dims");
        var sizesNode = r.Sequence(r.Need(layer, "loop_sizes", $"layer {id}"), "loop_sizes");
        var dims = dimsNode.Select(d => r.Text(d, "loop dimension").ToUpperInvariant()).ToList();
        if (dims.GroupBy(d => d, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw r.Error(dimsNode, $"loop_dims names {repeated.Key} twice; expected each loop dimension once");
        if (dims.Count != sizesNode.Children.Count)
            throw r.Error(sizesNode, $"{sizesNode.Children.Count} loop_sizes for {dims.Count} loop_dims; expected one size per dimension");
        var sizes = sizesNode.Select(s => (long)r.PositiveInt(s, "loop size")).ToList();
        if (dims.IndexOf("B") is var b && b >= 0) sizes[b] *= batch;

        // Index names are the loop names in lower case, or names defined by a relation such as iy=2*oy+1*fy.
        var relations = new Dictionary<string, ImmutableArray<IndexTerm>>(StringComparer.Ordinal);
        if (YamlReader.Find(layer, "dimension_relations") is { } relNode)
            foreach (var rel in r.Sequence(relNode, "dimension_relations"))
            {
                var m = Relation().Match(r.Text(rel, "relation"));
                var terms = m.Success ? m.Groups[2].Value.Split('+').Select(t => Term().Match(t)).ToList() : [];
                if (!m.Success || terms.Any(t => !t.Success))
                    throw r.Error(rel, $"relation '{r.Text(rel, "relation")}'; expected such as ix=2*ox+1*fx");
                relations[m.Groups[1].Value.ToUpperInvariant()] = [.. terms.Select(t =>
                {
                    var dim = t.Groups[2].Value.ToUpperInvariant();
                    if (!dims.Contains(dim)) throw r.Error(rel, $"relation uses '{t.Groups[2].Value}', which is not in loop_dims {string.Join(", ", dims)}");
                    return new IndexTerm(dim, t.Groups[1].Success ? long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : 1);
                })];
            }
        var (padding, lengths) = Padding(r, layer);
        OperandAxis Axis(string index)
        {
            var upper = index.ToUpperInvariant();
            if (relations.TryGetValue(upper, out var terms))
                return new OperandAxis(terms) { Padding = padding.GetValueOrDefault(upper), Length = lengths.GetValueOrDefault(upper) };
            if (dims.Contains(upper)) return OperandAxis.Of(upper);
            throw r.Error(equationNode, $"index '{index}' is neither a loop dimension ({string.Join(", ", dims)}) nor defined by a relation");
        }
        ImmutableArray<OperandAxis> Axes(Group g) => [.. Index().Matches(g.Value).Select(m => m.Groups[1].Value).Where(i => i.Length > 0).Select(Axis)];

        var precision = r.Mapping(r.Need(layer, "operand_precision", $"layer {id}"), "operand_precision");
        int Bits(string operand, string? fallback = null)
        {
            var node = YamlReader.Find(precision, operand) ?? (fallback is null ? null : YamlReader.Find(precision, fallback))
                ?? throw r.Error(precision, $"operand_precision has no entry for {operand}; expected one per operand of the equation");
            return r.Int(node, $"precision of {operand}", 0, Limits.MaxOperandBits);
        }
        var (outName, aName, bName) = (match.Groups[1].Value, match.Groups[4].Value, match.Groups[7].Value);
        var sources = YamlReader.Find(layer, "operand_source") is { } src ? r.Mapping(src, "operand_source") : null;
        var tensors = new List<Tensor>();
        var nestDims = dims.Zip(sizes, (d, s) => new LoopDimension(d, s)).ToImmutableArray();
        var sizeOf = nestDims.ToDictionary(d => d.Name, d => d.Size);
        long[] Shape(ImmutableArray<OperandAxis> axes) => [.. axes.Select(a => Math.Max(1, (a.Length > 0 ? a.Length : a.Extent(sizeOf))))];

        var outAxes = Axes(match.Groups[2]);
        int finalBits = YamlReader.Find(precision, "O_final") is not null ? Bits("O_final") : Bits(outName);
        var output = $"{name}.{outName}";
        tensors.Add(new Tensor(output, [.. Shape(outAxes)], finalBits, TensorKind.Activation));
        string Source(string operand, ImmutableArray<OperandAxis> axes, int bits)
        {
            var from = sources is not null && YamlReader.Find(sources, operand) is { } s ? r.Text(s, $"source of {operand}") : id;
            if (from != id)
                return outputs.TryGetValue(from, out var t) ? t
                    : throw r.Error(sources!, $"{operand} comes from layer {from}, which is not defined before layer {id}");
            var tensor = $"{name}.{operand}";
            tensors.Add(new Tensor(tensor, [.. Shape(axes)], Math.Max(bits, 1), operand == "W" ? TensorKind.Parameter : TensorKind.ModelInput));
            return tensor;
        }
        var (aAxes, bAxes) = (Axes(match.Groups[5]), Axes(match.Groups[8]));
        // ZigZag names its operands I (activations) and W (weights); other names are taken in equation order.
        bool swap = aName == "W" || bName == "I";
        var (inName, inAxes, wName, wAxes) = swap ? (bName, bAxes, aName, aAxes) : (aName, aAxes, bName, bAxes);
        int inBits = Bits(inName), wBits = Bits(wName);
        var input = Source(inName, inAxes, inBits);
        var weight = wBits > 0 ? Source(wName, wAxes, wBits) : "";
        if (mac && wBits > 0)
        {
            int partialBits = Bits(outName);
            if (partialBits < finalBits)
                throw r.Error(precision, $"partial sums of {outName} have {partialBits} bits but final outputs (O_final) {finalBits}; expected partial sums at least as wide");
            var nest = new LoopNest(nestDims,
            [
                new LoopOperand(input, OperandRole.Input, inAxes, inBits),
                new LoopOperand(weight, OperandRole.Weight, wAxes, wBits),
                new LoopOperand(output, OperandRole.Output, outAxes, finalBits) { PartialSumBits = partialBits },
            ]);
            return (new ComputeOperator(name, type, [input, weight], [output], nest), tensors);
        }
        // A sum, or a window with no weights (pooling): one operation per output per point it reduces over.
        long elements = tensors[0].Elements;
        var reduced = dims.Where(d => !outAxes.SelectMany(a => a.Terms).Any(t => t.Dimension == d)).Aggregate(1L, (p, d) => p * sizeOf[d]);
        var kind = mac ? VectorKind.Pooling : VectorKind.Elementwise;
        ImmutableArray<string> inputs = wBits > 0 ? [input, weight] : [input];
        return (new VectorOperator(name, type, inputs, [output], kind, elements, reduced), tensors);
    }

    /// <summary>Begin padding and tensor extent per window index from padding ([begin, end] per pr_loop_dims entry) and pr_loop_sizes.</summary>
    private static (Dictionary<string, long> Padding, Dictionary<string, long> Lengths) Padding(YamlReader r, YamlMappingNode layer)
    {
        var padding = new Dictionary<string, long>(StringComparer.Ordinal);
        var lengths = new Dictionary<string, long>(StringComparer.Ordinal);
        if (YamlReader.Find(layer, "pr_loop_dims") is not { } prNode) return (padding, lengths);
        var pr = r.Sequence(prNode, "pr_loop_dims").Select(d => r.Text(d, "dimension").ToUpperInvariant()).ToList();
        if (YamlReader.Find(layer, "pr_loop_sizes") is { } sizesNode)
        {
            var sizes = r.Sequence(sizesNode, "pr_loop_sizes");
            if (sizes.Children.Count != pr.Count) throw r.Error(sizesNode, $"{sizes.Children.Count} pr_loop_sizes for {pr.Count} pr_loop_dims");
            for (int i = 0; i < pr.Count; i++) lengths[pr[i]] = r.PositiveInt(sizes.Children[i], "pr_loop_size");
        }
        if (YamlReader.Find(layer, "padding") is { } padNode)
        {
            var pads = r.Sequence(padNode, "padding");
            if (pads.Children.Count != pr.Count) throw r.Error(padNode, $"{pads.Children.Count} padding pairs for {pr.Count} pr_loop_dims");
            for (int i = 0; i < pr.Count; i++)
            {
                var pair = r.Sequence(pads.Children[i], "padding [begin, end]");
                if (pair.Children.Count != 2) throw r.Error(pair, "padding entry; expected [begin, end]");
                padding[pr[i]] = r.Int(pair.Children[0], "padding", 0, int.MaxValue);
            }
        }
        return (padding, lengths);
    }
}
