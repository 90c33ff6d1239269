using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Chiplets;

/// <summary>
/// A chiplet template (Mozart): a dataflow with its base array width × height and, for the Simba-like
/// weight-stationary template, the width of its vector MACs (1 elsewhere).
/// </summary>
public sealed record ChipletTemplate(string Dataflow, int Width, int Height, int VectorWidth)
{
    /// <summary>Short name of the dataflow: ws, os or rs.</summary>
    public string Abbreviation => Dataflow switch
    {
        Dataflows.WeightStationary => "ws",
        Dataflows.OutputStationary => "os",
        _ => "rs",
    };

    /// <summary>Mozart's three templates from the technology library (ecosystem.*).</summary>
    public static ImmutableArray<ChipletTemplate> Mozart(TechnologyLibrary t)
    {
        const string e = "ecosystem";
        int I(string key) => (int)t.Value($"{e}.{key}");
        return
        [
            new(Dataflows.WeightStationary, I("ws_width"), I("ws_height"), I("ws_vector_width")),
            new(Dataflows.OutputStationary, I("os_width"), I("os_height"), 1),
            new(Dataflows.RowStationary, I("rs_width"), I("rs_height"), 1),
        ];
    }
}

/// <summary>
/// The knob grid: templates × width scale × height scale × global-buffer multiplier × node. The global buffer is
/// the library's base size times the multiplier.
/// </summary>
public sealed record CandidateKnobs(
    ImmutableArray<ChipletTemplate> Templates,
    ImmutableArray<int> WidthScales,
    ImmutableArray<int> HeightScales,
    ImmutableArray<int> BufferMultipliers,
    ImmutableArray<string> Nodes)
{
    public int Count => Templates.Length * WidthScales.Length * HeightScales.Length * BufferMultipliers.Length * Nodes.Length;

    /// <summary>Mozart's full grid: scales 1…max per axis, buffer multipliers k² for k = 1…max, its node (192 candidates).</summary>
    public static CandidateKnobs Mozart(TechnologyLibrary t) => Grid(t, (int)t.Value("ecosystem.pe_scale_max"),
        (int)t.Value("ecosystem.buffer_scale_max"));

    /// <summary>
    /// The default grid, kept small so a first profiling run stays short: by default scales {1, 2} per axis and
    /// buffer multipliers {1, 4} (24 candidates), the first corner of Mozart's grid.
    /// </summary>
    public static CandidateKnobs Default(TechnologyLibrary t) => Grid(t, (int)t.Value("ecosystem.default_pe_scales"),
        (int)t.Value("ecosystem.default_buffer_scales"));

    /// <summary>Scales 1…<paramref name="peScales"/> per axis and buffer multipliers k² for k = 1…<paramref name="bufferScales"/>.</summary>
    public static CandidateKnobs Grid(TechnologyLibrary t, int peScales, int bufferScales)
    {
        if (peScales <= 0 || bufferScales <= 0)
            throw new TesseraInputException($"candidate grid needs positive scale counts; got {peScales} and {bufferScales}");
        ImmutableArray<int> scales = [.. Enumerable.Range(1, peScales)];
        return new CandidateKnobs(ChipletTemplate.Mozart(t), scales, scales,
            [.. Enumerable.Range(1, bufferScales).Select(k => k * k)], [t.NodeFrom("ecosystem.node")]);
    }
}

/// <summary>
/// One chiplet candidate: its knob values, the chiplet (one core), die area and cost per good die (one memory
/// interface of <see cref="CandidateGenerator.MemoryType"/>, no die-to-die PHYs, 2.5D), and leakage.
/// </summary>
public sealed record ChipletCandidate(
    string Name, ChipletTemplate Template, int WidthScale, int HeightScale, long GlobalBufferBytes, string Node,
    Chiplet Chiplet, DieArea Area, DieEconomics Die, double LeakageW)
{
    public Core Core => Chiplet.Cores[0];
    public int Width => Template.Width * WidthScale;
    public int Height => Template.Height * HeightScale;
    public long ProcessingElements => Core.Array.ProcessingElements;
}

/// <summary>Builds chiplet candidates from templates and knobs with HardwareDefaults, Dataflows and the economics model.</summary>
public static class CandidateGenerator
{
    /// <summary>
    /// The off-chip memory a candidate is costed and profiled behind: one HBM3 stack (Mozart's memory table;
    /// 819 GB/s, 3.5 pJ/bit in the library).
    /// </summary>
    public const string MemoryType = "HBM3";

    /// <summary>Every candidate of the grid, in knob order (template, width, height, buffer, node).</summary>
    public static ImmutableArray<ChipletCandidate> Generate(TechnologyLibrary t, CandidateKnobs knobs) =>
    [
        .. from template in knobs.Templates
           from w in knobs.WidthScales
           from h in knobs.HeightScales
           from b in knobs.BufferMultipliers
           from node in knobs.Nodes
           select Create(t, template, w, h, b, node),
    ];

    /// <summary>One candidate.</summary>
    public static ChipletCandidate Create(TechnologyLibrary t, ChipletTemplate template, int widthScale, int heightScale,
        int bufferMultiplier, string node)
    {
        if (widthScale <= 0 || heightScale <= 0 || bufferMultiplier <= 0)
            throw new TesseraInputException($"candidate knobs must be positive; got width ×{widthScale}, height ×{heightScale}, buffer ×{bufferMultiplier}");
        node = t.Node(node);
        var buffer = (long)t.Si("ecosystem.global_buffer") * bufferMultiplier;
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{template.Abbreviation}-{template.Width * widthScale}x{template.Height * heightScale}{(template.VectorWidth > 1 ? $"x{template.VectorWidth}" : "")}-gb{buffer >> 20}MiB-{node}");
        var core = BuildCore(t, name, template, template.Width * widthScale, template.Height * heightScale, buffer, node);
        var bare = new Chiplet(name, [core], node);
        var area = CostModel.Area(t, bare, [MemoryType], 0, Packaging.Interposer25D);
        var die = CostProfile.Default.Die(t, name, area.TotalMm2, node);
        var leakage = LeakageW(t, area);
        // The chiplet carries its leakage so the simulator charges it over the makespan.
        var chiplet = bare with { StaticPowerW = leakage };
        return new ChipletCandidate(name, template, widthScale, heightScale, buffer, node, chiplet, area, die, leakage);
    }

    private static Core BuildCore(TechnologyLibrary t, string name, ChipletTemplate template, int width, int height, long buffer, string node)
    {
        const string e = "ecosystem";
        var bits = (int)t.Value($"{e}.mac_bits");
        var precision = t.PrecisionOf(bits);
        ImmutableArray<ArrayAxis> axes = template.VectorWidth > 1
            ? [new("D1", width), new("D2", height), new("D3", template.VectorWidth)]
            : [new("D1", width), new("D2", height)];
        string[] all = [.. axes.Select(a => a.Name)];
        // The global buffer feeds the PEs on the array's two edges (vector MACs take one word per lane).
        var bandwidth = (width * template.VectorWidth + height) * t.Value($"{e}.buffer_words_per_edge_pe") * bits;
        var register = (long)t.Si($"{e}.pe_register");
        MemoryLevel Level(string level, long bytes, double bitsPerCycle, OperandRole[] holds, params string[] served) =>
            HardwareDefaults.Memory(t, node, level, bytes, bitsPerCycle, bitsPerCycle, holds, served);
        var global = Level("global-buffer", buffer, bandwidth, [OperandRole.Input, OperandRole.Weight, OperandRole.Output], all);
        ImmutableArray<MemoryLevel> memories = template.Dataflow switch
        {
            // A vector MAC keeps one weight for its lanes (D3 unrolls output pixels).
            Dataflows.WeightStationary => [Level("pe-weight", register, bits, [OperandRole.Weight], "D3"), global],
            Dataflows.OutputStationary => [Level("pe-output", register, bits, [OperandRole.Output]), global],
            // Eyeriss's scratchpads per PE.
            _ =>
            [
                Level("ifmap-spad", (long)t.Si("reference.eyeriss.ifmap_spad"), bits, [OperandRole.Input]),
                Level("filter-spad", (long)t.Si("reference.eyeriss.filter_spad"), bits, [OperandRole.Weight]),
                Level("psum-spad", (long)t.Si("reference.eyeriss.psum_spad"), bits, [OperandRole.Output]),
                global,
            ],
        };
        // Mozart's 1-D vector unit for softmax and other non-MAC operators: one lane per array column.
        var vector = new VectorUnit(width, t.MacEnergyPj(precision, node), width * t.MacAreaUm2(precision, node) / UmPerMm2);
        var core = new Core(name, HardwareDefaults.Array(t, node, axes, precision), Dataflows.Create(template.Dataflow, axes, t),
            t.Si($"{e}.frequency"), memories, vector);
        HardwareDefaults.CheckOperandsHeld(core, name);
        return core;
    }

    private const double UmPerMm2 = 1e6;
    private const double WattsPerMilliwatt = 1e-3;

    /// <summary>
    /// Leakage of a die: the library's leakage density (ecosystem.leakage_per_mm2) over its PE, SRAM and vector-unit
    /// area with their routing overhead; the DRAM and die-to-die PHYs are left out (analog, mostly idle).
    /// </summary>
    public static double LeakageW(TechnologyLibrary t, DieArea area) =>
        (area.PeArraysMm2 + area.SramMm2 + area.VectorUnitsMm2 + area.OverheadMm2) * t.Value("ecosystem.leakage_per_mm2") * WattsPerMilliwatt;
}
