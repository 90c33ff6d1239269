using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware.Maestro;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Hardware.Presets;

/// <summary>Built-in cores and packages whose numbers come from the technology library.</summary>
/// <remarks>
/// Dataflows: weight-stationary D1: K, D2: C; output-stationary D1: OX, D2: OY; row-stationary (Eyeriss)
/// D1: FY 3 × C 4, D2: OY 14; Simba PE: K 16, vector MAC: K 8, lane: C 8. SCAR's packages: `-het` is a
/// checkerboard (Het-CB) of WS and OS chiplets, `-het-sides` has WS side columns and an OS middle column (Het-Sides),
/// `-het-cross` an OS cross through the middle rows and columns with WS corners (Het-Cross); the left and right
/// columns each own one DRAM device. `-arvr` packages use SCAR's 256-PE AR/VR chiplets. `-fixed` packages and cores are
/// SCAR's chiplets as SCAR costed them: fixed-function, with MAESTRO's shipped NVDLA-style `kcp_ws` and ShiDianNao-style
/// `yxp_os` dataflows (their cluster sizes arrange the array), the monolithic baseline with the same `yxp_os`.
/// </remarks>
public static class HardwarePresets
{
    /// <summary>The off-chip memory of single-core packages (and of core files that bring none): one LPDDR5 device.</summary>
    public const string GenericDram = "LPDDR5";

    private static readonly OperandRole[] All = [OperandRole.Input, OperandRole.Weight, OperandRole.Output];

    public static IReadOnlyList<string> CoreNames { get; } =
        ["tpu-like", "tpu-like-small", "eyeriss-like", "nvdla-like", "shidiannao-like", "simba-like", "scar-ws", "scar-os",
         "scar-ws" + FixedSuffix, "scar-os" + FixedSuffix];

    /// <summary>The SCAR packages and the monolithic baseline, each also with fixed-function chiplets (<see cref="FixedSuffix"/>).</summary>
    private static readonly string[] ScarFamily =
        ["scar-2x2-het", "scar-2x2-ws", "scar-2x2-os", "scar-3x3-het", "scar-3x3-ws", "scar-3x3-os",
         "scar-3x3-het-sides", "scar-6x6-het", "scar-6x6-het-cross", "scar-6x6-ws", "scar-6x6-os",
         "scar-3x3-het-arvr", "scar-3x3-het-sides-arvr", "scar-3x3-ws-arvr", "scar-3x3-os-arvr", Monolithic];

    private static readonly string[] MultiChiplet = ["simba-like", .. ScarFamily, .. ScarFamily.Select(n => n + FixedSuffix)];

    /// <summary>One chip with the PEs, L2 and DRAM bandwidth of the 2×2 SCAR package (the inter-layer paper's baseline).</summary>
    public const string Monolithic = "monolithic-os";

    /// <summary>Marks a SCAR package built from the 256-PE AR/VR chiplets.</summary>
    public const string ArVrSuffix = "-arvr";

    /// <summary>Marks a SCAR package or core whose chiplets have fixed MAESTRO dataflows (always the last suffix).</summary>
    public const string FixedSuffix = "-fixed";

    /// <summary>The fixed-function counterpart of a SCAR package or core preset ("scar-3x3-ws" → "scar-3x3-ws-fixed").</summary>
    public static string Fixed(string preset) =>
        preset.EndsWith(FixedSuffix, StringComparison.Ordinal) ? preset : preset + FixedSuffix;

    /// <summary>Multi-chiplet packages, then one single-chiplet package per core ("simba-like-chiplet" for Simba's).</summary>
    public static IReadOnlyList<string> PackageNames { get; } =
        [.. MultiChiplet, .. CoreNames.Select(c => c == "simba-like" ? "simba-like-chiplet" : c)];

    public static Core CreateCore(string name, TechnologyLibrary technology)
    {
        var t = technology;
        return name.Trim().ToLowerInvariant() switch
        {
            "tpu-like" => Tpu(t, "tpu-like", "reference.tpu_v1"),
            "tpu-like-small" => Tpu(t, "tpu-like-small", "reference.tpu_small"),
            "eyeriss-like" => Eyeriss(t),
            "nvdla-like" => Nvdla(t),
            "shidiannao-like" => ShiDianNao(t),
            "simba-like" => Simba(t),
            "scar-ws" => Scar(t, Dataflows.WeightStationary),
            "scar-os" => Scar(t, Dataflows.OutputStationary),
            "scar-ws" + FixedSuffix => Scar(t, Dataflows.WeightStationary, fixedDataflow: true),
            "scar-os" + FixedSuffix => Scar(t, Dataflows.OutputStationary, fixedDataflow: true),
            _ => throw new TesseraInputException($"unknown core preset '{name}'; expected one of {string.Join(", ", CoreNames)}"),
        };
    }

    public static Package CreatePackage(string name, TechnologyLibrary technology)
    {
        var key = name.Trim().ToLowerInvariant();
        switch (key)
        {
            case "simba-like":
                return SimbaPackage(technology);
            case Monolithic:
            case Monolithic + FixedSuffix:
                return MonolithicPackage(technology, key != Monolithic);
            case var scar when scar.StartsWith("scar-", StringComparison.Ordinal) && MultiChiplet.Contains(scar):
                {
                    // scar-NxN-LAYOUT[-arvr][-fixed]
                    bool fixedDataflow = scar.EndsWith(FixedSuffix, StringComparison.Ordinal);
                    var rest = fixedDataflow ? scar[..^FixedSuffix.Length] : scar;
                    bool arvr = rest.EndsWith(ArVrSuffix, StringComparison.Ordinal);
                    var layout = rest[9..(arvr ? rest.Length - ArVrSuffix.Length : rest.Length)];
                    return ScarPackage(technology, scar, scar[5] - '0', layout, arvr, fixedDataflow);
                }
        }
        var core = key == "simba-like-chiplet" ? "simba-like"
            : CoreNames.Contains(key) && key != "simba-like" ? key
            : throw new TesseraInputException($"unknown hardware preset '{name}'; expected one of {string.Join(", ", PackageNames)}");
        return SingleChiplet(technology, key, CreateCore(core, technology));
    }

    // ------------------------------------------------------------------ helpers

    private static int Int(TechnologyLibrary t, string key) => (int)t.Value(key);

    private static long Bytes(TechnologyLibrary t, string key) => (long)t.Si(key);

    private static ArrayAxis[] Axes(params int[] sizes) =>
        [.. sizes.Select((s, i) => new ArrayAxis($"D{i + 1}", s))];

    private static MemoryLevel Level(TechnologyLibrary t, string node, string name, long bytes, double bitsPerCycle,
        IEnumerable<OperandRole> holds, params string[] served) =>
        HardwareDefaults.Memory(t, node, name, bytes, bitsPerCycle, bitsPerCycle, holds, served);

    private static string[] AllAxes(IEnumerable<ArrayAxis> axes) => [.. axes.Select(a => a.Name)];

    private static Core Build(TechnologyLibrary t, string name, string node, ArrayAxis[] axes, SpatialUnrolling dataflow,
        double frequencyHz, int bits, ImmutableArray<MemoryLevel> memories)
    {
        var core = new Core(name, HardwareDefaults.Array(t, node, axes, t.PrecisionOf(bits)), dataflow, frequencyHz, memories);
        HardwareDefaults.CheckOperandsHeld(core, name);
        return core;
    }

    // ------------------------------------------------------------------ cores

    private static Core Tpu(TechnologyLibrary t, string name, string size)
    {
        const string v1 = "reference.tpu_v1";
        var node = t.NodeFrom($"{v1}.node");
        var bits = Int(t, $"{v1}.mac_bits");
        var axes = Axes(Int(t, $"{size}.array_rows"), Int(t, $"{size}.array_cols"));
        var bandwidth = t.Value($"{v1}.buffer_bandwidth");
        // One accumulator word per array column per cycle.
        var accumulatorBandwidth = axes[1].Size * t.Value($"{v1}.accumulator_bits");
        return Build(t, name, node, axes, Dataflows.Create(Dataflows.WeightStationary, axes, t), t.Si($"{v1}.frequency"), bits,
        [
            Level(t, node, "pe-weight", Bytes(t, $"{v1}.pe_weight_register"), bits, [OperandRole.Weight]),
            Level(t, node, "weight-fifo", Bytes(t, $"{v1}.weight_fifo"), bandwidth, [OperandRole.Weight], AllAxes(axes)),
            Level(t, node, "accumulators", Bytes(t, $"{size}.accumulators"), accumulatorBandwidth, [OperandRole.Output], AllAxes(axes)),
            Level(t, node, "unified-buffer", Bytes(t, $"{size}.unified_buffer"), bandwidth, [OperandRole.Input, OperandRole.Output], AllAxes(axes)),
        ]);
    }

    private static Core Eyeriss(TechnologyLibrary t)
    {
        const string r = "reference.eyeriss";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        var axes = Axes(Int(t, $"{r}.array_rows"), Int(t, $"{r}.array_cols"));
        return Build(t, "eyeriss-like", node, axes, Dataflows.Create(Dataflows.RowStationary, axes, t), t.Si($"{r}.frequency"), bits,
        [
            Level(t, node, "ifmap-spad", Bytes(t, $"{r}.ifmap_spad"), bits, [OperandRole.Input]),
            Level(t, node, "filter-spad", Bytes(t, $"{r}.filter_spad"), bits, [OperandRole.Weight]),
            Level(t, node, "psum-spad", Bytes(t, $"{r}.psum_spad"), bits, [OperandRole.Output]),
            Level(t, node, "global-buffer", Bytes(t, $"{r}.global_buffer"), t.Value($"{r}.global_buffer_bandwidth"), All, AllAxes(axes)),
        ]);
    }

    private static Core Nvdla(TechnologyLibrary t)
    {
        const string r = "reference.nvdla";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        var axes = Axes(Int(t, $"{r}.macs_k"), Int(t, $"{r}.macs_c"));
        var bandwidth = t.Value($"{r}.buffer_bandwidth");
        return Build(t, "nvdla-like", node, axes, Dataflows.Create(Dataflows.WeightStationary, axes, t), t.Si($"{r}.frequency"), bits,
        [
            Level(t, node, "pe-weight", Bytes(t, $"{r}.pe_weight_register"), bits, [OperandRole.Weight]),
            // Partial sums of one output channel reduce along D2 (C) into that channel's accumulator.
            Level(t, node, "accumulators", Bytes(t, $"{r}.accumulators"), bandwidth, [OperandRole.Output], AllAxes(axes)),
            Level(t, node, "conv-buffer", Bytes(t, $"{r}.conv_buffer"), bandwidth, [OperandRole.Input, OperandRole.Weight], AllAxes(axes)),
        ]);
    }

    private static Core ShiDianNao(TechnologyLibrary t)
    {
        const string r = "reference.shidiannao";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        var axes = Axes(Int(t, $"{r}.array_rows"), Int(t, $"{r}.array_cols"));
        var bandwidth = t.Value($"{r}.buffer_bandwidth");
        return Build(t, "shidiannao-like", node, axes, Dataflows.Create(Dataflows.OutputStationary, axes, t), t.Si($"{r}.frequency"), bits,
        [
            Level(t, node, "pe-output", Bytes(t, $"{r}.pe_register_bytes"), bits, [OperandRole.Output]),
            Level(t, node, "nbin", Bytes(t, $"{r}.nbin"), bandwidth, [OperandRole.Input], AllAxes(axes)),
            Level(t, node, "sb", Bytes(t, $"{r}.sb"), bandwidth, [OperandRole.Weight], AllAxes(axes)),
            Level(t, node, "nbout", Bytes(t, $"{r}.nbout"), bandwidth, [OperandRole.Output], AllAxes(axes)),
        ]);
    }

    private static Core Simba(TechnologyLibrary t)
    {
        const string r = "reference.simba";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        var axes = Axes(Int(t, $"{r}.pes"), Int(t, $"{r}.vector_macs"), Int(t, $"{r}.vector_width"));
        // Weight-stationary: PEs and vector MACs split output channels, the lanes of a vector MAC split input channels.
        var dataflow = new SpatialUnrolling(Dataflows.WeightStationary,
        [
            new("D1", [("K", axes[0].Size)]), new("D2", [("K", axes[1].Size)]), new("D3", [("C", axes[2].Size)]),
        ]);
        var pe = t.Value($"{r}.pe_buffer_bandwidth");
        // Per-PE buffers are shared by the PE's vector MACs and lanes (D2, D3), one instance per PE.
        return Build(t, "simba-like", node, axes, dataflow, t.Si($"{r}.frequency"), bits,
        [
            Level(t, node, "weight-buffer", Bytes(t, $"{r}.weight_buffer"), pe, [OperandRole.Weight], "D2", "D3"),
            Level(t, node, "input-buffer", Bytes(t, $"{r}.input_buffer"), pe, [OperandRole.Input], "D2", "D3"),
            Level(t, node, "accumulation-buffer", Bytes(t, $"{r}.accumulation_buffer"), pe, [OperandRole.Output], "D2", "D3"),
            Level(t, node, "global-buffer", Bytes(t, $"{r}.global_buffer"), t.Value($"{r}.global_buffer_bandwidth"), All, AllAxes(axes)),
        ]);
    }

    private static Core Scar(TechnologyLibrary t, string dataflow, bool arvr = false, bool fixedDataflow = false)
    {
        const string r = "scar";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        var size = arvr ? "_arvr" : "";
        var pes = Int(t, arvr ? $"{r}.pes_per_chiplet_arvr" : $"{r}.pes_per_chiplet_datacenter");
        bool ws = dataflow == Dataflows.WeightStationary;
        // A fixed-function chiplet's array is arranged as its MAESTRO dataflow clusters it: kcp_ws spreads output channels
        // over clusters of input channels, yxp_os output rows over clusters of output columns.
        var maestro = fixedDataflow ? MaestroDataflows.Create(ws ? MaestroDataflows.KcpWs : MaestroDataflows.YxpOs, t) : null;
        var last = fixedDataflow ? Int(t, ws ? "maestro.kcp_ws_cluster" : "maestro.yxp_os_cluster") : 0;
        var first = fixedDataflow ? pes / last : Int(t, ws ? $"{r}.ws_array_k{size}" : $"{r}.os_array_ox{size}");
        if (pes % first != 0 || (fixedDataflow && pes % last != 0))
            throw new TesseraInputException($"SCAR chiplet: {pes} PEs do not split into rows of {first}");
        var axes = Axes(first, pes / first);
        // The per-PE buffer keeps the stationary operand; the shared L2 holds everything.
        var stationary = ws ? OperandRole.Weight : OperandRole.Output;
        var name = (ws ? "scar-ws" : "scar-os") + (arvr ? ArVrSuffix : "") + (fixedDataflow ? FixedSuffix : "");
        var core = Build(t, name, node, axes,
            Dataflows.Create(dataflow, axes, t), t.Si($"{r}.frequency"), bits,
        [
            Level(t, node, "pe-buffer", Bytes(t, $"{r}.pe_buffer_bytes"), bits, [stationary]),
            Level(t, node, "l2", Bytes(t, $"{r}.l2_per_chiplet"), t.Value($"{r}.l2_bandwidth"), All, AllAxes(axes)),
        ]);
        return maestro is null ? core : FixedDataflows.Fix(core, maestro, null);
    }

    /// <summary>
    /// The monolithic output-stationary baseline: one core with as many PEs, as much L2 (and L2 bandwidth) as the
    /// <paramref name="chiplets"/> SCAR chiplets together. D1 unrolls output channels K; D2 unrolls output pixels
    /// OX × OY on convolutions and, as its alternate, GEMM rows D on matrix products, so both keep every PE busy when
    /// their sizes allow — outputs stay in the PEs either way. With <paramref name="fixedDataflow"/> the core is instead
    /// fixed to the ShiDianNao-style <c>yxp_os</c> of the fixed SCAR OS chiplets, arranged as that dataflow clusters it.
    /// </summary>
    private static Core MonolithicOs(TechnologyLibrary t, int chiplets, bool fixedDataflow)
    {
        const string r = "scar";
        const string m = "monolithic_os";
        var node = t.NodeFrom($"{r}.node");
        var bits = Int(t, $"{r}.mac_bits");
        int pes = Int(t, $"{r}.pes_per_chiplet_datacenter") * chiplets;
        var name = Monolithic + (fixedDataflow ? FixedSuffix : "");
        ImmutableArray<MemoryLevel> Memories(ArrayAxis[] axes) =>
        [
            Level(t, node, "pe-buffer", Bytes(t, $"{r}.pe_buffer_bytes"), bits, [OperandRole.Output]),
            Level(t, node, "l2", Bytes(t, $"{r}.l2_per_chiplet") * chiplets, t.Value($"{r}.l2_bandwidth") * chiplets, All, AllAxes(axes)),
        ];
        if (fixedDataflow)
        {
            int columns = Int(t, "maestro.yxp_os_cluster");
            var clustered = Axes(pes / columns, columns);
            var core = Build(t, name, node, clustered, Dataflows.Create(Dataflows.OutputStationary, clustered, t), t.Si($"{r}.frequency"), bits,
                Memories(clustered));
            return FixedDataflows.Fix(core, MaestroDataflows.Create(MaestroDataflows.YxpOs, t), null);
        }
        int k = Int(t, $"{m}.array_k"), ox = Int(t, $"{m}.pixels_ox");
        int pixels = pes / k;
        if (k * pixels != pes || pixels % ox != 0)
            throw new TesseraInputException($"{Monolithic}: {pes} PEs do not split into K {k} × {pixels} output pixels of OX {ox}");
        var axes = Axes(k, pixels);
        var dataflow = new SpatialUnrolling(Dataflows.OutputStationary,
            [new("D1", [("K", k)]), new("D2", [("OX", ox), ("OY", pixels / ox)], [("D", pixels)])]);
        return Build(t, name, node, axes, dataflow, t.Si($"{r}.frequency"), bits, Memories(axes));
    }

    // ------------------------------------------------------------------ packages

    /// <summary>
    /// <see cref="MonolithicOs"/> sized like scar-2x2-het, fed by one DRAM interface with the package's total bandwidth
    /// and capacity (its four edge chiplets own one SCAR DRAM device each).
    /// </summary>
    private static Package MonolithicPackage(TechnologyLibrary t, bool fixedDataflow)
    {
        var reference = ScarPackage(t, "scar-2x2-het", 2, "het", arvr: false, fixedDataflow);
        int chiplets = reference.Chiplets.Length;
        var core = MonolithicOs(t, chiplets, fixedDataflow);
        var chiplet = new ChipletInstance("c0", new Chiplet(core.Name, [core], t.NodeFrom("scar.node")), 0, 0);
        var device = HardwareDefaults.Device(t, "dram", "SCAR-28nm");
        int devices = reference.Memories.Length;
        // One device of the same type with the four devices' bandwidth and capacity: the simulator routes a chiplet to one
        // device. The cost model therefore counts one DRAM PHY on the die, not four.
        device = device with
        {
            Id = $"dram-x{devices}",
            BandwidthBytesPerSecond = device.BandwidthBytesPerSecond * devices,
            CapacityBytes = device.CapacityBytes * devices,
        };
        return new Package(core.Name, [chiplet], [device], [HardwareDefaults.MemoryLink(device, chiplet.Id)], core.Name);
    }

    private static Package SingleChiplet(TechnologyLibrary t, string name, Core core)
    {
        var node = core.Name switch
        {
            "tpu-like" or "tpu-like-small" => t.NodeFrom("reference.tpu_v1.node"),
            "eyeriss-like" => t.NodeFrom("reference.eyeriss.node"),
            "nvdla-like" => t.NodeFrom("reference.nvdla.node"),
            "shidiannao-like" => t.NodeFrom("reference.shidiannao.node"),
            "simba-like" => t.NodeFrom("reference.simba.node"),
            _ => t.NodeFrom("scar.node"),
        };
        var chiplet = new ChipletInstance("c0", new Chiplet(core.Name, [core], node), 0, 0);
        // TPU v1 used DDR3 (DDR4 is the library's nearest); the others get one generic device; SCAR cores their own DRAM.
        var type = core.Name.StartsWith("tpu", StringComparison.Ordinal) ? "DDR4"
            : core.Name.StartsWith("scar", StringComparison.Ordinal) ? "SCAR-28nm" : GenericDram;
        var dram = HardwareDefaults.Device(t, "dram", type);
        return new Package(name, [chiplet], [dram], [HardwareDefaults.MemoryLink(dram, chiplet.Id)], name);
    }

    private static Package Grid(TechnologyLibrary t, string name, int width, int height, Func<int, int, Chiplet> design,
        DieToDieSpec link, string dramType)
    {
        var chiplets = new List<ChipletInstance>();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                chiplets.Add(new ChipletInstance(Topologies.GridId(x, y), design(x, y), x, y));
        var links = Topologies.ToLinks(Topologies.Mesh(width, height), link.BandwidthBytesPerSecond, link.EnergyPerBitPj, link.LatencySeconds).ToList();
        // SCAR: the chiplets of the left and right columns own the DRAM interfaces, one device each.
        var memories = new List<MemoryDevice>();
        foreach (var c in chiplets.Where(c => c.X == 0 || c.X == width - 1))
        {
            var device = HardwareDefaults.Device(t, $"dram-{c.Id}", dramType);
            memories.Add(device);
            links.Add(HardwareDefaults.MemoryLink(device, c.Id));
        }
        return new Package(name, chiplets, memories, links, name);
    }

    private static Package SimbaPackage(TechnologyLibrary t)
    {
        var design = new Chiplet("simba-like", [Simba(t)], t.NodeFrom("reference.simba.node"));
        return Grid(t, "simba-like", Int(t, "reference.simba.mesh_width"), Int(t, "reference.simba.mesh_height"),
            (_, _) => design, t.DieToDie("simba-grs"), "SCAR-28nm");
    }

    private static Package ScarPackage(TechnologyLibrary t, string name, int size, string layout, bool arvr, bool fixedDataflow = false)
    {
        var node = t.NodeFrom("scar.node");
        var wsCore = Scar(t, Dataflows.WeightStationary, arvr, fixedDataflow);
        var osCore = Scar(t, Dataflows.OutputStationary, arvr, fixedDataflow);
        var ws = new Chiplet(wsCore.Name, [wsCore], node);
        var os = new Chiplet(osCore.Name, [osCore], node);
        var flows = ScarLayout(layout, size);
        return Grid(t, name, size, size, (x, y) => flows(x, y) == Dataflows.WeightStationary ? ws : os, t.DieToDie("scar-nop"), "SCAR-28nm");
    }

    /// <summary>
    /// The dataflow at (x, y) of a SCAR layout. Het-CB: a checkerboard, so every neighbour differs. Het-Sides: the side
    /// columns (which own the DRAM interfaces) WS, the middle columns OS, so a chiplet has same-dataflow neighbours along
    /// its column and different ones across. Het-Cross: the middle rows and columns (one for an odd size, two for an
    /// even one) OS, the corner blocks WS. docs/hardware.md says why WS sits by the DRAM.
    /// </summary>
    public static Func<int, int, string> ScarLayout(string layout, int size)
    {
        bool Middle(int i) => size % 2 == 1 ? i == size / 2 : i == size / 2 - 1 || i == size / 2;
        string Ws(bool ws) => ws ? Dataflows.WeightStationary : Dataflows.OutputStationary;
        return layout switch
        {
            "ws" => (_, _) => Dataflows.WeightStationary,
            "os" => (_, _) => Dataflows.OutputStationary,
            "het" => (x, y) => Ws((x + y) % 2 == 0),
            "het-sides" => (x, _) => Ws(x == 0 || x == size - 1),
            "het-cross" => (x, y) => Ws(!Middle(x) && !Middle(y)),
            _ => throw new TesseraInputException($"SCAR layout '{layout}'; expected ws, os, het, het-sides or het-cross"),
        };
    }
}
