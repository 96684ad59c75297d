"""What learning from outcomes found, as the API answers it."""

from sqlmodel import Field, SQLModel

from service.models.match_run import Weights


class AucEstimate(SQLModel):
    """How well weights rank good outcomes above poor ones: 0.5 is chance, 1 perfect."""

    auc: float
    low: float = Field(description="Lower end of the 95% bootstrap interval.")
    high: float = Field(description="Upper end of the 95% bootstrap interval.")


class CalibrationReport(SQLModel):
    """Weights fitted to finished pairings, beside the current defaults; nothing changes."""

    pairings: int = Field(description="Finished pairings that came from a match run.")
    ended_well: int = Field(description="Of those, completed and nobody said not a fit.")
    left_out: int = Field(description="Finished pairings made by hand, without components.")
    current_weights: Weights
    current: AucEstimate | None = Field(description="The current weights' predictions.")
    fitted_weights: Weights | None = Field(
        description="Weights that best predict the outcomes; none while there is too little "
        "data. Adopt them by sending them with a match run."
    )
    fitted: AucEstimate | None = Field(description="The fitted weights', out of fold.")
    folds: int
    too_little_data: str | None = Field(
        description="Why nothing is suggested yet, when there is too little data."
    )
