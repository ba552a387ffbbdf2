-- crm_sync: a copied database never talks to the real e-conomic
UPDATE crm_sync_economic_backend
    SET app_secret_token = NULL,
        agreement_grant_token = NULL,
        enabled = FALSE;
