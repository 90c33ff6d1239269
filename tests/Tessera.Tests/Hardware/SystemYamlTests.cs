using Tessera.Diagnostics;
using Tessera.Hardware.Presets;
using Tessera.Hardware.Yaml;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

/// <summary>Recursive system files: nesting, repeat, links across levels, and bad input.</summary>
public sealed class SystemYamlTests : IDisposable
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private readonly string _dir = Directory.CreateTempSubdirectory("tessera-sys-").FullName;

    private const string PackageFile = """
        name: pkg
        chiplets:
          compute: {preset: nvdla-like}
        grid: {width: 2, height: 1, chiplet: compute}
        topology: {kind: mesh, link: ucie-advanced}
        memories:
          - {id: hbm, type: HBM3, attach: left}
        """;

    private const string BoardFile = """
        name: board
        children:
          - {id: p, file: pkg.yaml, repeat: 4}
        topology: {kind: ring, link: nvlink-c2c}
        """;

    private const string NodeFile = """
        name: node
        children:
          - {id: b, file: board.yaml, repeat: 2}
        topology: {kind: switch, link: infiniband-ndr}
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Nested()
    {
        Write("pkg.yaml", PackageFile);
        Write("board.yaml", BoardFile);
        return Write("node.yaml", NodeFile);
    }

    private TesseraInputException Refused(string file, string text)
    {
        Nested();
        return Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(Write(file, text), Tech));
    }

    [Fact]
    public void A_row_of_children_continues_after_the_ones_before_it_and_a_shared_grid_position_is_refused()
    {
        Nested();
        // host at (0, 0), then p0 … p2 at (1, 0) … (3, 0): a 4 × 1 mesh, host joined to p0 only.
        var row = HardwareLoader.Load(Write("row.yaml", """
            name: row
            children:
              - {id: host, file: pkg.yaml}
              - {id: p, file: pkg.yaml, repeat: 3}
            topology: {kind: mesh, link: nvlink-c2c}
            """), Tech);
        var hostLinks = row.Links.Where(l => l.From.StartsWith("host/", StringComparison.Ordinal) ^ l.To.StartsWith("host/", StringComparison.Ordinal)).ToList();
        Assert.Single(hostLinks);
        Assert.Contains(hostLinks, l => l.From.StartsWith("p0/", StringComparison.Ordinal) || l.To.StartsWith("p0/", StringComparison.Ordinal));

        var e = Refused("clash.yaml", """
            name: clash
            children:
              - {id: host, file: pkg.yaml}
              - {id: g, file: pkg.yaml, repeat: [2, 2]}
            topology: {kind: mesh, link: nvlink-c2c}
            """);
        Assert.Contains("children 'host' and 'g0_0' are both at (0, 0) of the mesh", e.Message);
        var self = Refused("self.yaml", """
            name: self
            children:
              - {id: p, file: pkg.yaml, repeat: 2}
            topology: {kind: explicit, link: nvlink-c2c, pairs: [[p0, p0]]}
            """);
        Assert.Contains("joins a chiplet to itself", self.Message);
    }

    [Fact]
    public void A_node_of_boards_of_package_files_flattens_with_every_level_on_its_routes()
    {
        var flat = HardwareLoader.Load(Nested(), Tech);
        Assert.Equal(2 * 4 * 2, flat.Chiplets.Length);
        Assert.Equal(2 * 4, flat.Memories.Length);
        Assert.Contains("b1/p3/c1_0", flat.Chiplets.Select(c => c.Id));
        Assert.Equal("switch", Assert.Single(flat.Switches));
        var (c2c, ib, ucie) = (Tech.OffPackage("nvlink-c2c"), Tech.OffPackage("infiniband-ndr"), Tech.DieToDie("ucie-advanced"));
        // b0/p1/c1_0 → b0/p1/c0_0 (UCIe) → b0/p0/c0_0 (NVLink-C2C) → switch → b1/p0/c0_0 (NDR, twice) → b1/p0/c1_0 (UCIe).
        var route = flat.Route("b0/p1/c1_0", "b1/p0/c1_0")!.Value;
        Assert.Equal(5, route.Length);
        Assert.Equal(ib.BandwidthBytesPerSecond, route.Min(l => l.BandwidthBytesPerSecond));
        Assert.Equal(2 * ucie.LatencySeconds + c2c.LatencySeconds + 2 * ib.LatencySeconds, route.Sum(l => l.LatencySeconds), 1e-18);
        Assert.Equal(2 * ucie.EnergyPerBitPj + c2c.EnergyPerBitPj + 2 * ib.EnergyPerBitPj, route.Sum(l => l.EnergyPerBitPj), 1e-12);
    }

    [Fact]
    public void Inline_packages_presets_nested_nodes_grids_and_ports_load()
    {
        Nested();
        var system = TesseraHardwareYaml.LoadSystem(Write("mixed.yaml", """
            children:
              - {id: host, preset: tpu-like}
              - id: inl
                package: {chiplets: {c: {preset: nvdla-like}}, memories: [{id: m, type: LPDDR5, attach: c}]}
              - id: sub
                system: {children: [{id: q, file: pkg.yaml, repeat: [2, 2]}], topology: {kind: mesh, link: serdes-112g-lr}, port: q1_1}
                port: q1_1
              - {id: b, preset: board-4}
            links:
              - {from: host, to: inl, link: {type: serdes-112g-lr, latency: 50 ns}}
              - {from: inl, to: sub, link: nvlink-c2c}
              - {from: sub, to: b, link: nvlink-c2c}
            memories: [{id: pool, type: DDR5, attach: host}]
            """), Tech);
        Assert.Equal(["host", "inl", "sub", "b"], system.Children.Select(c => c.Id));
        Assert.Equal(["host", "inl", "sub/q0_0", "sub/q1_0", "sub/q0_1", "sub/q1_1", "b/p0", "b/p1", "b/p2", "b/p3"], system.Leaves().Select(l => l.Path));
        var flat = system.Flatten();
        Assert.Contains(flat.Links, l => l.From == "inl/c" && l.To == "sub/q1_1/c0_0");
        Assert.Contains(flat.Links, l => l.From == "sub/q1_1/c0_0" && l.To == "b/p0/c0_0");
        Assert.Equal(50e-9, flat.Links.Single(l => l.From.StartsWith("host/", StringComparison.Ordinal) && l.To == "inl/c").LatencySeconds, 1e-18);
        Assert.Contains(flat.Memories, m => m.Id == "pool");
        Assert.Equal(1 + 1 + 4 * 2 + 4 * 4, flat.Chiplets.Length);
    }

    [Fact]
    public void Unknown_keys_are_refused_with_a_suggestion()
    {
        Assert.Contains("did you mean 'topology'", Refused("bad.yaml", """
            children: [{id: p, file: pkg.yaml}]
            topolgy: {kind: ring, link: nvlink-c2c}
            """).Message);
        Assert.Contains("did you mean 'repeat'", Refused("bad2.yaml", "children: [{id: p, file: pkg.yaml, repaet: 2}]").Message);
        Assert.Contains("did you mean 'nvlink-c2c'", Refused("bad3.yaml", """
            children: [{id: p, file: pkg.yaml, repeat: 2}]
            topology: {kind: ring, link: nvlink-c2d}
            """).Message);
    }

    [Fact]
    public void A_link_naming_a_missing_child_names_the_file_the_nesting_and_the_element()
    {
        Write("pkg.yaml", PackageFile);
        Write("board.yaml", """
            name: board
            children:
              - {id: p, file: pkg.yaml, repeat: 4}
            links:
              - {from: p0, to: p9, link: nvlink-c2c}
            """);
        var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(Write("node.yaml", NodeFile), Tech));
        Assert.Contains("board.yaml:5:20", e.Message);
        Assert.Contains("node › b", e.Message);
        Assert.Contains("'p9'", e.Message);
        Assert.Contains("included from node.yaml", e.Message);
    }

    [Fact]
    public void A_cycle_of_file_inclusions_is_refused_naming_the_files()
    {
        Write("a.yaml", "children: [{id: x, file: b.yaml}]");
        Write("b.yaml", "children: [{id: y, file: a.yaml}]");
        var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(Path.Combine(_dir, "a.yaml"), Tech));
        Assert.Contains("cycle a.yaml → b.yaml → a.yaml", e.Message);
        Assert.Contains("a › x › y", e.Message);
    }

    [Fact]
    public void A_chiplet_that_cannot_reach_memory_is_refused_naming_it()
    {
        Write("bare.yaml", "chiplets: {c: {preset: nvdla-like}}");
        var e = Refused("unreachable.yaml", """
            name: split
            children:
              - {id: p, file: pkg.yaml}
              - {id: q, file: bare.yaml}
            """);
        Assert.Contains("unreachable.yaml", e.Message);
        Assert.Contains("chiplet q/c reaches no memory", e.Message);
    }

    [Fact]
    public void A_system_larger_than_the_chiplet_budget_is_refused_before_it_is_expanded()
    {
        // 64 boards of 64 two-chiplet packages: 8192 chiplets, above the budget of 4096, though each repeat is within it.
        Write("pkg.yaml", PackageFile);
        Write("wide.yaml", "children: [{id: p, file: pkg.yaml, repeat: 64}]");
        var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(Write("rack.yaml", "children: [{id: b, file: wide.yaml, repeat: 64}]"), Tech));
        Assert.Contains("chiplet count of the flattened system would be 8192, above the budget of 4096", e.Message);
    }

    [Fact]
    public void Every_system_preset_is_built_from_sourced_links_and_reaches_memory()
    {
        foreach (var name in SystemPresets.Names)
        {
            var system = SystemPresets.Create(name, Tech);
            var flat = system.Flatten();
            static string Level(string id) => id.Contains('/') ? id[..id.LastIndexOf('/')] : "";
            Assert.All(flat.Links.Where(l => Level(l.From) != Level(l.To)),
                l => Assert.Contains(l.BandwidthBytesPerSecond, Tech.OffPackageKinds.Select(k => Tech.OffPackage(k).BandwidthBytesPerSecond)));
        }
        Assert.Equal(64, SystemPresets.Create("node-8x8", Tech).Leaves().Count());
        Assert.Equal(8 * 4, HardwareLoader.Load("board-8", Tech).Chiplets.Length);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
