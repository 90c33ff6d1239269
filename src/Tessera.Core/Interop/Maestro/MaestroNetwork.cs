using System.Globalization;
using Tessera.Costs.Maestro;
using Tessera.Diagnostics;
using Tessera.Hardware.Maestro;
using Tessera.Technology;

namespace Tessera.Interop.Maestro;

/// <summary>The layers of a MAESTRO mapping file costed as MAESTRO costs them, one result per layer in file order.</summary>
public static class MaestroNetwork
{
    /// <summary>
    /// The file's layers as MAESTRO sees them: as in MAESTRO, the first layer of each type decides whether that type's
    /// tensors carry the batch dimension N.
    /// </summary>
    public static IReadOnlyList<(MaestroLayerSpec Spec, MaestroLayer Layer)> Layers(MaestroMappingFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Layers.IsEmpty) throw new TesseraInputException($"{file.File}: no Network of layers; expected Network name {{ Layer … }}");
        var batched = new Dictionary<MaestroLayerType, bool>();
        return [.. file.Layers.Select(spec =>
        {
            if (!batched.TryGetValue(spec.Type, out var carriesN)) batched[spec.Type] = carriesN = spec.Dimensions.Any(d => d.Name == "N");
            return (spec, new MaestroLayer(spec.Name, spec.Type, spec.Dimensions, spec.Strides, carriesN));
        })];
    }

    /// <summary>Every layer's result; errors name the file, line, layer and directive.</summary>
    public static IReadOnlyList<(MaestroLayerSpec Spec, MaestroResult Result)> Analyze(MaestroMappingFile file, MaestroHardware hardware,
        MaestroArithmetic arithmetic) =>
        [.. Layers(file).Select(l => (l.Spec, MaestroAnalysis.Run(l.Layer, l.Spec.Directives, hardware, arithmetic, file.File, strict: true)))];
}

/// <summary>
/// MAESTRO's hardware options file (<c>--HW_file</c>): lines <c>key: value</c> with keys num_pes, l1_size_cstr,
/// l2_size_cstr, noc_bw_cstr, NoC_NumHops (the NoC latency in cycles in such runs) and offchip_bw_cstr; <c>//</c> starts a
/// comment. Absent keys take MAESTRO's defaults for such files: one hop, unconstrained bandwidths.
/// </summary>
public static class MaestroHardwareFile
{
    private static readonly string[] Keys = ["num_pes", "l1_size_cstr", "l2_size_cstr", "noc_bw_cstr", "NoC_NumHops", "offchip_bw_cstr"];

    /// <summary>MAESTRO's value for a bandwidth the file does not give (C's INT_MAX: never the bound).</summary>
    private const int Unconstrained = int.MaxValue;

    public static MaestroHardware Load(string path, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(technology);
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        var lines = InputFiles.ReadAllText(path, "MAESTRO hardware file").ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            int comment = text.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) text = text[..comment];
            if (string.IsNullOrWhiteSpace(text)) continue;
            var parts = text.Split(':', 2);
            var key = parts[0].Trim();
            if (!Keys.Contains(key))
                throw TesseraInputException.At($"{path}:{i + 1}", $"unknown key '{key}'{Suggestions.DidYouMean(key, Keys)}; expected one of {string.Join(", ", Keys)}");
            if (parts.Length < 2 || !long.TryParse(parts[1].Trim().TrimEnd(';'), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
                throw TesseraInputException.At($"{path}:{i + 1}", $"{key} must be a positive integer (key: value)");
            values[key] = value;
        }
        if (!values.TryGetValue("num_pes", out var pes) || pes > int.MaxValue)
            throw TesseraInputException.At(path, "num_pes is missing; expected num_pes: <count>");
        return new MaestroHardware((int)pes, values.GetValueOrDefault("noc_bw_cstr", Unconstrained),
            values.TryGetValue("NoC_NumHops", out var hops) ? hops : technology.Value("maestro.noc_latency_hw_file"),
            values.GetValueOrDefault("offchip_bw_cstr", Unconstrained), (int)technology.Value("maestro.simd_lanes"));
    }
}
