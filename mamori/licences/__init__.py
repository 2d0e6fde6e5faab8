"""Licences of published material (フリー素材と著作権, handbook §9): issue 18."""
