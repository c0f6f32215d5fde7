using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Models;

/// <summary>One model, keyed by its name: price schedule and global limits.</summary>
[Alias("tollgate.model")]
public interface IModelGrain : ILimitedGrain
{
    [Alias("set-price")]
    Task<ModelSnapshot> SetPrice(SetModelPrice request);

    [Alias("set-route")]
    Task<ModelSnapshot> SetRoute(SetModelRoute request);

    [Alias("get")]
    Task<ModelSnapshot> Get();

    [Alias("authorize")]
    Task<ModelAdmission> Authorize(AuthorizeModel request);
}
