using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Models;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>The routed models (the listing of <c>GET /admin/models</c>) and one model's price schedule, limits and route (its grain).</summary>
public sealed class ModelsModel(IGrainFactory grains, AdminListings listings) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "model")]
    public string? Name { get; set; }

    public IReadOnlyList<RoutedModel> Routed { get; private set; } = [];
    public ModelSnapshot? Model { get; private set; }
    public LimitsView? Limits { get; private set; }

    public async Task OnGetAsync()
    {
        Routed = await listings.RoutedModelsAsync(pricedOnly: false);
        if (string.IsNullOrWhiteSpace(Name)) return;
        var grain = grains.Model(Ids.Model(Name.Trim()));
        Model = await grain.Get();
        Limits = await grain.GetLimits();
    }
}
