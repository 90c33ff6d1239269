using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Costs.Maestro;
using Tessera.Diagnostics;
using Tessera.Hardware.Maestro;
using Tessera.Interop.Maestro;
using Tessera.Reports;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera map FILE.m`: every layer of a MAESTRO mapping file costed by the maestro model, with MAESTRO's hardware
/// options (<c>--num-pes</c>, <c>--noc-bw</c>, or MAESTRO's <c>--hw</c> file); prints what MAESTRO prints per layer.
/// </summary>
internal static class MaestroMapCommand
{
    public static bool IsMappingFile(string path) => path.EndsWith(".m", StringComparison.OrdinalIgnoreCase);

    internal sealed record Options(string? CostModel, int? ProcessingElements, double? NocBandwidth, double? NocLatency,
        double? OffChipBandwidth, string? HardwareFile, bool Json);

    /// <summary>MAESTRO's hardware options, which `tessera map` takes for a .m file.</summary>
    internal sealed class HardwareOptions : List<Option>
    {
        private readonly Option<int?> _pes = new Option<int?>("--num-pes") { Description = "MAESTRO: PEs (for a .m file)" }.AtLeast(1);
        private readonly Option<double?> _noc = new Option<double?>("--noc-bw") { Description = "MAESTRO: NoC bandwidth in elements per cycle, every cluster level (for a .m file)" }.Finite();
        private readonly Option<double?> _latency = new Option<double?>("--noc-latency") { Description = "MAESTRO: NoC latency in cycles per level (default 0, MAESTRO's command-line default)" }.Finite(zero: true);
        private readonly Option<double?> _offChip = new Option<double?>("--offchip-bw") { Description = "MAESTRO: off-chip bandwidth in elements per cycle (default 70000, MAESTRO's)" }.Finite();
        private readonly Option<string?> _file = new Option<string?>("--hw") { Description = "MAESTRO's hardware file (num_pes, noc_bw_cstr, NoC_NumHops, offchip_bw_cstr); options above override it" };

        public HardwareOptions() => AddRange([_pes, _noc, _latency, _offChip, _file]);

        public Options Bind(ParseResult parse, string? costModel, bool json) => new(costModel, parse.GetValue(_pes), parse.GetValue(_noc),
            parse.GetValue(_latency), parse.GetValue(_offChip), parse.GetValue(_file), json);
    }

    internal sealed record LayerRow(string Name, string Type, long Cycles, long Macs, double EnergyMacUnits, double AveragePesInUse,
        long L2Accesses, long L1Accesses);

    /// <summary>The file's layers and totals; energies in units of one MAC, MAESTRO's stdout figure.</summary>
    internal sealed record Result(string File, string CostModel, int NumPes, double NocBandwidth, double NocLatencyCycles,
        double OffChipBandwidth, IReadOnlyList<LayerRow> Layers, long TotalCycles, long TotalMacs, double TotalEnergyMacUnits);

    public static int Run(CliContext context, string path, Options options)
    {
        var technology = TechnologyLibrary.LoadDefault();
        var name = options.CostModel ?? "maestro";
        var model = CostModels.Create(name) as MaestroCostModel
            ?? throw new TesseraInputException($"--cost-model {name} cannot cost a MAESTRO mapping file; expected maestro or maestro-upstream");
        var file = MaestroMappingFile.Load(path);
        var hardware = Hardware(options, technology);
        double l1 = technology.Value("maestro.l1_energy_ratio"), l2 = technology.Value("maestro.l2_energy_ratio");
        var rows = MaestroNetwork.Analyze(file, hardware, model.Arithmetic)
            .Select(r => new LayerRow(r.Spec.Name, r.Spec.Type.ToString(), r.Result.Cycles, r.Result.Macs, r.Result.EnergyMacUnits(l1, l2),
                r.Result.AveragePesInUse, r.Result.L2Accesses, r.Result.L1Accesses)).ToList();
        var result = new Result(path, model.Name, hardware.ProcessingElements, hardware.NocBandwidth, hardware.NocLatencyCycles,
            hardware.OffChipBandwidth, rows, rows.Sum(r => r.Cycles), rows.Sum(r => r.Macs), rows.Sum(r => r.EnergyMacUnits));
        if (options.Json) JsonOutput.WriteResult(context, result);
        else Print(context.Console, result);
        return 0;
    }

    /// <summary>MAESTRO's hardware file, if given, with the command line's values over it; MAESTRO's defaults for the rest.</summary>
    private static MaestroHardware Hardware(Options options, TechnologyLibrary technology)
    {
        var fromFile = options.HardwareFile is { } hw ? MaestroHardwareFile.Load(hw, technology) : null;
        int pes = options.ProcessingElements ?? fromFile?.ProcessingElements
            ?? throw new TesseraInputException("a MAESTRO mapping file needs the PE count: give --num-pes N or a MAESTRO hardware file with --hw");
        double noc = options.NocBandwidth ?? fromFile?.NocBandwidth
            ?? throw new TesseraInputException("a MAESTRO mapping file needs the NoC bandwidth: give --noc-bw B (elements per cycle) or --hw");
        if (pes <= 0 || noc <= 0) throw new TesseraInputException($"--num-pes {pes} and --noc-bw {noc} must be positive");
        return new MaestroHardware(pes, noc, options.NocLatency ?? fromFile?.NocLatencyCycles ?? technology.Value("maestro.noc_latency"),
            options.OffChipBandwidth ?? fromFile?.OffChipBandwidth ?? technology.Value("maestro.offchip_bandwidth"),
            fromFile?.SimdLanes ?? (int)technology.Value("maestro.simd_lanes"));
    }

    private static void Print(IAnsiConsole console, Result result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.File)}[/] with [bold]{result.CostModel}[/]: {result.NumPes} PEs, NoC {result.NocBandwidth:G6} " +
            $"elements/cycle, latency {result.NocLatencyCycles:G6} cycles, off-chip {result.OffChipBandwidth:G6} elements/cycle");
        var table = new Table().AddColumns("layer", "type", "MACs", "cycles", "energy (× MAC)", "PEs in use", "L2 accesses", "L1 accesses");
        foreach (var r in result.Layers)
            table.AddRow(Markup.Escape(r.Name), r.Type, NumberFormat.Count(r.Macs), NumberFormat.Count(r.Cycles), NumberFormat.Count(r.EnergyMacUnits),
                $"{r.AveragePesInUse:0.#}", NumberFormat.Count(r.L2Accesses), NumberFormat.Count(r.L1Accesses));
        table.AddRow("[bold]total[/]", "", $"[bold]{NumberFormat.Count(result.TotalMacs)}[/]", $"[bold]{NumberFormat.Count(result.TotalCycles)}[/]",
            $"[bold]{NumberFormat.Count(result.TotalEnergyMacUnits)}[/]", "", "", "");
        console.Write(table);
    }
}
