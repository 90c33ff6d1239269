using Tessera.Economics;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Economics;

/// <summary>A system is priced package by package, its NRE paid once per design.</summary>
public class SystemCostTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Fact]
    public void A_board_costs_its_packages_built_alone_and_pays_each_design_once()
    {
        var options = CostOptions.Default(Tech);
        var alone = CostModel.Evaluate(Tech, HardwarePresets.CreatePackage(SystemPresets.BoardPackage, Tech), options);
        var board = CostModel.Evaluate(Tech, SystemPresets.Create("board-4", Tech), options);
        Assert.Equal(["p0", "p1", "p2", "p3"], board.Packages.Select(p => p.Path));
        Assert.Equal(4 * alone.UnitCostUsd, board.UnitCostUsd, 9);
        // One chiplet design and one package design, as for the package alone.
        Assert.Equal(alone.NrePerUnitUsd, board.NrePerUnitUsd, 9);
        // Priced as one package of 16 chiplets it would pay one large interposer and its yield: far more.
        var flat = CostModel.Evaluate(Tech, SystemPresets.Create("board-4", Tech).Flatten(), options);
        Assert.True(flat.PackagingUsd > 4 * alone.PackagingUsd);
    }

    [Fact]
    public void Cost_and_floorplan_of_a_system_work_package_by_package_and_svg_is_refused()
    {
        var cost = CliRunner.Run("cost", "board-4", "--json");
        Assert.True(cost.ExitCode == 0, cost.Error);
        Assert.Equal(4, cost.Json.GetProperty("packages").GetArrayLength());
        var plan = CliRunner.Run("floorplan", "board-4", "--json");
        Assert.True(plan.ExitCode == 0, plan.Error);
        Assert.True(plan.Json.GetProperty("legal").GetBoolean());
        Assert.All(plan.Json.GetProperty("packages").EnumerateArray(), p => Assert.True(p.GetProperty("floorplan").GetProperty("legal").GetBoolean()));
        var svg = CliRunner.Run("floorplan", "board-4", "--svg", Path.Combine(Path.GetTempPath(), "tessera-system.svg"));
        Assert.Equal(2, svg.ExitCode);
        Assert.Contains("is a system of 4", svg.Error);
    }

    [Theory]
    [InlineData("board.yaml")]
    [InlineData("node.yaml")]
    public void The_example_systems_load_and_are_priced_per_package(string file)
    {
        var system = Tessera.Interop.HardwareLoader.LoadSystem(TestData.Repository("examples", "systems", file), Tech)!;
        var leaves = system.Leaves().ToList();
        Assert.True(leaves.Count > 1);
        var cost = CostModel.Evaluate(Tech, system, CostOptions.Default(Tech));
        Assert.Equal(leaves.Sum(l => CostModel.Evaluate(Tech, l.Package, CostOptions.Default(Tech)).UnitCostUsd), cost.UnitCostUsd, 9);
        Assert.Equal(leaves.Sum(l => l.Package.Chiplets.Length), system.Flatten().Chiplets.Length);
    }
}
