using System.Collections.Immutable;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Interop.Stream;

/// <summary>ZigZag's in-memory-compute operational arrays and spatial mapping hints.</summary>
public static partial class StreamHardwareImporter
{
    private static readonly string[] ImcArrayKeys =
        ["is_imc", "imc_type", "input_precision", "bit_serial_precision", "adc_resolution", "dimensions", "sizes", "unit_energy", "unit_area"];

    private const string ImcArray = "an IMC operational_array";

    /// <summary>
    /// The macro of a ZigZag operational_array with <c>is_imc: true</c>, null for any other. ZigZag's first dimension is
    /// the wordline one (columns, an output each), its second the bitline one (rows summed in a column), further ones
    /// count macros; <c>input_precision</c> is [activation, weight] bits. The innermost weight level (the cells) must
    /// hold at least one weight per cell group.
    /// </summary>
    private static ImcMacro? ImcOf(YamlReader r, YamlMappingNode array, PeArray pe,
        IReadOnlyList<(ParsedMemory Memory, ImmutableArray<OperandRole> Holds, ImmutableArray<string> Served)> levels, TechnologyLibrary technology)
    {
        if (YamlReader.Find(array, "is_imc") is not { } flag || !r.Text(flag, "is_imc").Equals("true", StringComparison.OrdinalIgnoreCase))
            return null;
        r.KnownKeys(array, ImcArray, ImcArrayKeys);
        var typeNode = r.Need(array, "imc_type", ImcArray);
        var kind = ImcMacro.KindOf(r.Text(typeNode, "imc_type"))
            ?? throw r.Error(typeNode, $"imc_type '{r.Text(typeNode, "imc_type")}'; expected analog or digital");
        var precisionNode = r.Need(array, "input_precision", $"{ImcArray} (its [activation, weight] bits)");
        var precision = r.Sequence(precisionNode, "input_precision");
        if (precision.Children.Count != 2)
            throw r.Error(precisionNode, $"input_precision has {precision.Children.Count} entries; expected [activation bits, weight bits]");
        int input = r.PositiveInt(precision.Children[0], "activation precision"), weight = r.PositiveInt(precision.Children[1], "weight precision");
        var serialNode = r.Need(array, "bit_serial_precision", ImcArray);
        int serial = r.PositiveInt(serialNode, "bit_serial_precision");
        if (ImcMacro.SerialProblem(input, serial) is { } serialProblem) throw r.Error(serialNode, $"bit_serial_precision: {serialProblem}");
        var adcNode = YamlReader.Find(array, "adc_resolution");
        int adc = adcNode is null ? 0 : r.Int(adcNode, "adc_resolution", int.MinValue, int.MaxValue);
        if (ImcMacro.AdcProblem(kind, adc) is { } adcProblem) throw r.Error(adcNode ?? typeNode, $"adc_resolution: {adcProblem}");
        if (pe.Axes.Length < 2)
            throw r.Error(r.Need(array, "dimensions", ImcArray), "an IMC array needs two dimensions, wordline (columns) and bitline (rows), then any macro counts");
        var (columns, rows) = (pe.Axes[0], pe.Axes[1]);
        var macro = new ImcMacro(kind, columns.Name, rows.Name, columns.Size, rows.Size, input, weight, serial, adc, ImcCircuit.From(technology));
        if (macro.Inconsistency(pe) is { } what) throw r.Error(array, what);
        if (levels.FirstOrDefault(l => l.Holds.Contains(OperandRole.Weight)) is { Memory: { } cells } level)
        {
            long perGroup = cells.Bits / level.Served.Aggregate(1L, (p, axis) => p * (pe.Axes.FirstOrDefault(a => a.Name == axis)?.Size ?? 1));
            if (perGroup < weight)
                throw r.Error(precision.Children[1], $"the weight cells '{cells.Name}' hold {perGroup} bits per cell group but a weight has {weight}; " +
                    "expected a cells level at least one weight per multiplier large");
        }
        return macro;
    }

    /// <summary>
    /// A spatial_mapping_hint (<c>D1: [K]</c>, <c>D2: [C, FX, FY]</c>): each axis unrolls, up to its size, the one listed
    /// dimension that fills most of it on the layer at hand; axes the core lacks are skipped.
    /// </summary>
    private static SpatialUnrolling ParseHint(YamlReader r, YamlNode node, string name, IReadOnlyList<ArrayAxis> axes)
    {
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>();
        foreach (var (k, v) in r.Mapping(node, "spatial_mapping_hint").Children)
        {
            var axis = axes.FirstOrDefault(a => a.Name == r.Text(k, "array dimension"));
            if (axis is null) continue;
            var dims = r.Sequence(v, $"hint of {axis.Name}").Select(d => CheckedDimension(r, d, r.Text(d, "loop dimension"))).ToList();
            if (dims.Count == 0) throw r.Error(v, $"the hint of {axis.Name} lists no loop dimension");
            result.Add(new AxisUnrolling(axis.Name, [(dims[0], axis.Size)], Choices: [.. dims]));
        }
        return new SpatialUnrolling(name, result.ToImmutable());
    }

    /// <summary>A loop dimension an unrolling may name, or an input error at <paramref name="at"/>.</summary>
    private static string CheckedDimension(YamlReader r, YamlNode at, string dimension) =>
        UnrollableDimensions.Contains(dimension, StringComparer.Ordinal) || NumberedDimension().IsMatch(dimension) ? dimension
            : throw r.Error(at, $"unrolling names loop dimension '{dimension}'; expected one of {string.Join(", ", UnrollableDimensions)}" +
                Diagnostics.Suggestions.DidYouMean(dimension, UnrollableDimensions));
}
