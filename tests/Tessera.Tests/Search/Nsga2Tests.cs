using Tessera.Search;

namespace Tessera.Tests.Search;

/// <summary>Non-dominated sorting and crowding distance on hand-made points with known answers.</summary>
public class Nsga2Tests
{
    private static IReadOnlyList<double>[] Points(params (double, double)[] p) => [.. p.Select(x => (IReadOnlyList<double>)[x.Item1, x.Item2])];

    [Fact]
    public void Dominance_needs_one_strictly_better_objective()
    {
        Assert.True(Nsga2.Dominates([1, 2], [2, 2]));
        Assert.False(Nsga2.Dominates([1, 2], [1, 2]));
        Assert.False(Nsga2.Dominates([1, 3], [2, 2]));
    }

    [Fact]
    public void Sorting_splits_points_into_their_known_fronts()
    {
        // Front 0: (1,5) (2,3) (4,1); front 1: (3,4) (5,2) [each dominated by a front-0 point]; front 2: (6,6).
        var points = Points((3, 4), (1, 5), (6, 6), (2, 3), (5, 2), (4, 1));
        var fronts = Nsga2.Sort(points);
        Assert.Equal(3, fronts.Count);
        Assert.Equal([1, 3, 5], fronts[0]);
        Assert.Equal([0, 4], fronts[1]);
        Assert.Equal([2], fronts[2]);
    }

    [Fact]
    public void Duplicates_share_a_front()
    {
        var fronts = Nsga2.Sort(Points((1, 1), (1, 1), (2, 2)));
        Assert.Equal([0, 1], fronts[0]);
        Assert.Equal([2], fronts[1]);
    }

    [Fact]
    public void Crowding_distance_is_infinite_at_the_ends_and_the_normalised_neighbour_gap_inside()
    {
        // Front (0,10) (1,6) (4,3) (10,0): ranges 10 and 10.
        var points = Points((4, 3), (0, 10), (10, 0), (1, 6));
        var distance = Nsga2.CrowdingDistance(points, [0, 1, 2, 3]);
        Assert.Equal(double.PositiveInfinity, distance[1]);
        Assert.Equal(double.PositiveInfinity, distance[2]);
        // (1,6): neighbours (0,10) and (4,3) → (4−0)/10 + (10−3)/10 = 1.1; (4,3): neighbours (1,6) and (10,0) → 0.9 + 0.6 = 1.5.
        Assert.Equal(1.1, distance[3], 12);
        Assert.Equal(1.5, distance[0], 12);
    }

    [Fact]
    public void Crowding_distance_of_tiny_fronts_is_infinite()
    {
        var points = Points((1, 2), (2, 1));
        Assert.All(Nsga2.CrowdingDistance(points, [0, 1]), d => Assert.Equal(double.PositiveInfinity, d));
        Assert.Empty(Nsga2.CrowdingDistance(points, []));
    }
}
